// Small behaviours the templates ask for with data attributes, since the Content-Security-Policy refuses
// inline on*= handlers. Listeners sit on the document, so content htmx swaps in later works too.

// <input data-select-on-focus>: focusing the field selects all of it, ready to copy.
document.addEventListener("focusin", (event) => {
  if (event.target instanceof HTMLInputElement && event.target.matches("[data-select-on-focus]")) {
    event.target.select();
  }
});

// <button data-copy-from="field-id" data-copied-label="Copied">: copies the field's value to the clipboard.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-copy-from]") : null;
  if (!button) return;
  const field = document.getElementById(button.dataset.copyFrom);
  if (!field || !navigator.clipboard) return;
  navigator.clipboard.writeText(field.value).then(() => {
    if (button.dataset.copiedLabel) button.textContent = button.dataset.copiedLabel;
  });
});
