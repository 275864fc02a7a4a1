"use strict";
// The job run's page (tasks/templates/admin/tasks/jobrun/change_form.html): until the run is
// finished, ask its progress (a small JSON answer) every two seconds and show it; once it is,
// reload the page, which then shows the whole result.
(() => {
  const box = document.querySelector("[data-poll-url]");
  if (!box || box.dataset.finished === "true") {
    return;
  }
  const show = (selector, text) => {
    const element = box.querySelector(selector);
    if (element) {
      element.textContent = text;
    }
  };
  const render = (run) => {
    show("[data-job-status]", run.status_display);
    show("[data-job-parts]", `${run.parts_done}/${run.parts_total}`);
    show("[data-job-percent]", `${run.progress}%`);
    const bar = box.querySelector("[data-job-progress]");
    if (bar) {
      bar.value = run.progress;
    }
    const table = box.querySelector("[data-job-result]");
    if (table) {
      table.replaceChildren(...run.result.map((line) => {
        const row = document.createElement("tr");
        const label = document.createElement("th");
        const value = document.createElement("td");
        label.textContent = line.label;
        value.textContent = line.value;
        row.append(label, value);
        return row;
      }));
    }
    const error = box.querySelector("[data-job-error]");
    if (error) {
      error.textContent = run.error;
      error.hidden = !run.error;
    }
  };
  const poll = () => {
    fetch(box.dataset.pollUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((run) => {
        render(run);
        if (run.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(() => window.setTimeout(poll, 5000));
  };
  window.setTimeout(poll, 1000);
})();
