// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Submit the language switcher as soon as a language is picked.
  document.querySelectorAll("form.lang-switch select").forEach((select) => {
    select.addEventListener("change", () => select.form.requestSubmit());
  });
});
