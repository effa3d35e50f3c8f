// kiji: progressive enhancements only; every page reads fully without this script.
(function () {
  "use strict";
  var root = document.documentElement;
  var toggle = document.querySelector(".theme-toggle");
  if (toggle) {
    var current = function () {
      if (root.dataset.theme) return root.dataset.theme;
      return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
    };
    var label = function () {
      toggle.setAttribute("aria-pressed", current() === "dark" ? "true" : "false");
    };
    toggle.hidden = false;
    label();
    toggle.addEventListener("click", function () {
      var next = current() === "dark" ? "light" : "dark";
      root.dataset.theme = next;
      try { localStorage.setItem("kiji-theme", next); } catch (e) { /* private mode */ }
      label();
    });
  }
  // A tooltip near the right edge would stick out of the window: slide it back in.
  var fit = function (e) {
    var ref = e.target.closest && e.target.closest(".term-ref");
    var tip = ref && ref.querySelector(".term-tip");
    if (!tip || getComputedStyle(tip).position !== "absolute") return;
    tip.style.left = "";
    var over = tip.getBoundingClientRect().right - (document.documentElement.clientWidth - 8);
    if (over > 0) tip.style.left = -over + "px";
  };
  document.addEventListener("focusin", fit);
  document.addEventListener("mouseover", fit);
  // Escape closes a glossary tooltip opened by keyboard focus.
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && document.activeElement && document.activeElement.classList.contains("term")) {
      document.activeElement.blur();
    }
  });
})();
