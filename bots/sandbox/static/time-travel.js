// The sandbox page's "Skip ahead" control: the sandbox's clock moves forward for the whole
// server (a booking can be delivered once its event has started; the scheduler acts as it
// would later on). Shown only where the server allows it; its words come with the page's
// other labels (data-label, sandbox.js).
"use strict";

(() => {
  const API = "/sandbox/api/time";

  async function call(options) {
    const response = await fetch(API, options);
    if (!response.ok) throw new Error(String(response.status));
    return response.json();
  }

  async function setup() {
    const box = document.querySelector(".time-travel");
    if (!box) return;
    const shown = box.querySelector(".sandbox-now");
    // Data from the server goes in as text only.
    const show = (data) => {
      if (typeof data.market_time === "string") shown.textContent = data.market_time;
      if (typeof data.now === "string") shown.dateTime = data.now;
      if (typeof data.time_zone === "string") shown.title = data.time_zone;
    };
    let data;
    try {
      data = await call();
    } catch (_) {
      return; // an older server: no control
    }
    if (!data || !data.enabled) return;
    show(data);
    box.hidden = false;
    for (const button of box.querySelectorAll("button[data-skip]")) {
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          show(await call({
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ skip: button.dataset.skip }),
          }));
        } catch (_) {
          /* the time shown stays as it was */
        } finally {
          button.disabled = false;
        }
      });
    }
    // The time goes on between skips: refresh the shown minute now and then.
    window.setInterval(async () => {
      try { show(await call()); } catch (_) { /* keep the last one */ }
    }, 30000);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
