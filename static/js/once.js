// Forms marked data-submit-once send once: the submit button is disabled and says it is working
// until the next page arrives. The server still treats a repeated request (same idempotency key)
// as the first one, so this only spares people a second wait.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-submit-once")) return;
  if (form.dataset.sent === "1") {
    event.preventDefault();
    return;
  }
  form.dataset.sent = "1";
  const button = event.submitter || form.querySelector("button[type=submit]");
  if (button) {
    button.setAttribute("aria-busy", "true");
    if (button.dataset.busyText) button.textContent = button.dataset.busyText;
  }
});
