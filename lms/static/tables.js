// Progressive enhancement: on a narrow screen a wide table scrolls in its own box
// (app.css); a keyboard user can reach that box only if it takes focus (Chromium lets
// scrollers take focus by itself, Safari does not).
(() => {
  const focusable = () => {
    document.querySelectorAll("main table").forEach((table) => {
      if (table.scrollWidth > table.clientWidth) {
        table.setAttribute("tabindex", "0");
      } else if (table.getAttribute("tabindex") === "0") {
        table.removeAttribute("tabindex");
      }
    });
  };
  document.addEventListener("DOMContentLoaded", focusable);
  window.addEventListener("resize", focusable);
})();
