// The share link's copy button: the read-only field works without this file.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("button.copy[data-copy]").forEach((button) => {
    const field = document.getElementById(button.dataset.copy);
    if (!field || !navigator.clipboard) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(field.value);
        button.textContent = button.dataset.copied;
      } catch {
        field.select();
      }
    });
  });
});
