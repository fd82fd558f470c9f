// Forms marked data-warn-unsaved: leaving the page (a link, reload, closing the tab) after typing
// asks first, so what was typed is not lost silently. Sending the form itself never asks.
(function () {
  const forms = Array.from(document.querySelectorAll("form[data-warn-unsaved]"));
  if (!forms.length) return;
  let dirty = false;
  const notice = document.getElementById("unsaved-notice");
  forms.forEach((form) => {
    if (form.hasAttribute("data-dirty")) dirty = true; // refused values shown again, not saved
    form.addEventListener("input", () => { dirty = true; if (notice) notice.hidden = false; });
    form.addEventListener("submit", () => { dirty = false; });
  });
  window.addEventListener("beforeunload", (event) => {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = "";
  });
})();
