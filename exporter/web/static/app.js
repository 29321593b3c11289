"use strict";
async function tick() {
  try {
    const r = await fetch("/data");
    document.getElementById("data").textContent = JSON.stringify(await r.json(), null, 2);
  } catch (e) {
    document.getElementById("data").textContent = "connection lost, retrying";
  }
  setTimeout(tick, 2000);
}
tick();
