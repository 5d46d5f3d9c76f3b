// The page frame on any screen. Everything here has a no-JavaScript path in the markup and
// app.css; this only smooths it.
(function () {
  "use strict";
  var WIDE = window.matchMedia("(min-width: 821px)");

  // The menu (a <details> in base.html) and the folds of a page (the queue's filters): on wide
  // screens app.css shows their content without opening them; a browser without ::details-content
  // gets them opened here instead. Escape closes the menu on phones.
  var styled = window.CSS && CSS.supports && CSS.supports("selector(::details-content)");
  var menu = document.querySelector("details.menu");
  if (!styled) {
    var sync = function () {
      var folds = document.querySelectorAll("details.menu, details.fold");
      for (var i = 0; i < folds.length; i++) {
        if (WIDE.matches) folds[i].open = true;
        else if (folds[i] === menu) menu.open = false;
      }
    };
    sync();
    if (WIDE.addEventListener) WIDE.addEventListener("change", sync);
  }
  if (menu) {
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open && !WIDE.matches) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  }

  // A link to a form folded in a closed <details> (the case page's action bar) opens it; browsers
  // that reveal the target of a fragment themselves do the same without this.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href^='#']");
    if (!link || link.getAttribute("href").length < 2) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    var folded = target && target.closest("details");
    if (folded) folded.open = true;
  });

  // A table wider than a phone scrolls inside itself (app.css); a scrolling region must be
  // reachable by keyboard, so one that overflows becomes focusable.
  var tables = function () {
    var all = document.querySelectorAll("main table");
    for (var i = 0; i < all.length; i++) {
      var table = all[i];
      if (table.scrollWidth > table.clientWidth + 1) table.setAttribute("tabindex", "0");
      else if (table.getAttribute("tabindex") === "0") table.removeAttribute("tabindex");
    }
  };
  tables();
  window.addEventListener("resize", tables);
})();
