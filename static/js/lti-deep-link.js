// The deep-linking answer goes back to the platform by a posted form; the button stays for browsers without
// script.
document.addEventListener("DOMContentLoaded", () => {
    const form = document.querySelector("form[data-auto-submit]");
    if (form) form.submit();
});
