"""The web side: Flask app factory, thin routes, the page and its static files."""
