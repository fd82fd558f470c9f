// The signing page: a tick per class ticks its records, a tick at the top ticks every record; the
// button always says how many records it will sign ("Ký 35 học bạ") and is disabled at none.
(() => {
  const format = (template, values) => template.replace(/\{(\w+)\}/g, (_, key) => String(values[key]));

  const refresh = (form) => {
    const boxes = [...form.querySelectorAll("input[name=versions]")];
    const chosen = boxes.filter((box) => box.checked).length;
    for (const fieldset of form.querySelectorAll("[data-class]")) {
      const own = [...fieldset.querySelectorAll("input[name=versions]")];
      const ticked = own.filter((box) => box.checked).length;
      const toggle = fieldset.querySelector("[data-tick-class]");
      toggle.checked = ticked === own.length && own.length > 0;
      toggle.indeterminate = ticked > 0 && ticked < own.length;
      const summary = fieldset.querySelector("[data-class-summary]");
      summary.textContent = format(form.dataset.summary, { chosen: ticked, total: own.length });
    }
    const all = form.querySelector("[data-tick-all]");
    if (all) {
      all.checked = chosen === boxes.length && boxes.length > 0;
      all.indeterminate = chosen > 0 && chosen < boxes.length;
    }
    const summary = form.querySelector("[data-chosen-summary]");
    if (summary) summary.textContent = format(form.dataset.summary, { chosen, total: boxes.length });
    const button = form.querySelector("[data-sign-button]");
    if (button && form.dataset.sent !== "1") {
      button.disabled = chosen === 0;
      const template = chosen === 0 ? button.dataset.none : chosen === 1 ? button.dataset.one : button.dataset.many;
      button.textContent = format(template, { n: chosen });
    }
  };

  const setup = (form) => {
    const summary = form.querySelector("[data-chosen-summary]");
    form.dataset.summary = summary ? summary.dataset.template || "" : "";
    form.addEventListener("change", (event) => {
      const target = event.target;
      if (target.matches("[data-tick-all]")) {
        for (const box of form.querySelectorAll("input[name=versions]")) box.checked = target.checked;
      } else if (target.matches("[data-tick-class]")) {
        const fieldset = target.closest("[data-class]");
        for (const box of fieldset.querySelectorAll("input[name=versions]")) box.checked = target.checked;
      }
      refresh(form);
    });
    refresh(form);
  };

  document.addEventListener("DOMContentLoaded", () => {
    for (const form of document.querySelectorAll("form[data-sign-form]")) setup(form);
  });
})();
