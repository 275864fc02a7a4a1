"use strict";
// The Content-Security-Policy refuses inline event handlers (onclick="..."), so the admin's
// small behaviours live here, bound by data attributes:
//   <select data-submit-on-change>  submits its form when the choice changes (language picker)
//   <a data-print href="#">          prints the page
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-submit-on-change]");
  if (select && select.form) {
    select.form.submit();
  }
});
document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-print]");
  if (link) {
    event.preventDefault();
    window.print();
  }
});
