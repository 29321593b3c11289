"""The web side on Werkzeug, without Flask: the app factory, one dispatch module, thin routes,
the page and its static files."""
