// Keyboard shortcuts, the same in every browser: keydown handlers, not accesskey (whose modifier
// differs per browser and clashes with their own menus). The overlay that lists them is the
// <dialog id="shortcuts"> of templates/includes/shortcuts.html, opened by "?" or by a "Keyboard
// shortcuts" button; Esc and its Close button shut it and the focus goes back where it was.
// Nothing fires while a person types in a field, or with Ctrl, Alt or Cmd held.
(function () {
  "use strict";
  var dialog = document.getElementById("shortcuts");
  if (!dialog) return;
  var opener = null;
  var pendingG = 0;
  var SEQUENCE_MS = 1500;
  var NOT_TYPING = ["checkbox", "radio", "button", "submit", "reset", "image"];

  function typing(element) {
    if (!element || element === document.body) return false;
    if (element.isContentEditable) return true;
    var tag = element.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag === "INPUT") return NOT_TYPING.indexOf((element.type || "text").toLowerCase()) === -1;
    return false;
  }

  function openOverlay() {
    if (dialog.open) return;
    opener = document.activeElement;
    dialog.showModal();
  }

  dialog.addEventListener("close", function () {
    var back = opener;
    opener = null;
    if (back && back !== document.body && document.contains(back) && back.focus) back.focus();
  });

  var buttons = document.querySelectorAll("[data-shortcuts-open]");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].hidden = false;
    buttons[i].addEventListener("click", openOverlay);
  }

  // The queue's rows: each row's first link opens its case; j and k move the focus between them.
  function rowLinks() {
    return Array.prototype.slice.call(document.querySelectorAll("tr[data-case-row] a.row-link"));
  }

  function currentRow() {
    var active = document.activeElement;
    return active && active.closest ? active.closest("tr[data-case-row]") : null;
  }

  function move(step) {
    var links = rowLinks();
    if (!links.length) return false;
    var row = currentRow();
    var at = -1;
    for (var i = 0; i < links.length; i++) {
      if (links[i].closest("tr[data-case-row]") === row) at = i;
    }
    var next = at === -1 ? (step > 0 ? 0 : links.length - 1) : Math.min(links.length - 1, Math.max(0, at + step));
    links[next].focus();
    if (links[next].scrollIntoView) links[next].scrollIntoView({ block: "nearest" });
    return true;
  }

  function openCurrent() {
    var row = currentRow();
    var link = row && row.querySelector("a.row-link");
    if (!link) return false;
    window.location.assign(link.href);
    return true;
  }

  function claimNext() {
    var button = document.getElementById("claim-next");
    if (!button) return false;
    button.click();
    return true;
  }

  function focusFilters() {
    var form = document.querySelector("form.filters");
    if (!form) return false;
    var fold = form.closest("details");
    if (fold) fold.open = true;
    var field = form.querySelector("select, input:not([type=hidden])");
    if (!field) return false;
    field.focus();
    return true;
  }

  function go(attribute) {
    var url = dialog.getAttribute(attribute);
    if (!url) return false;
    window.location.assign(url);
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    if (dialog.open || typing(event.target)) return;
    var key = event.key;
    var handled = false;
    if (pendingG && Date.now() - pendingG < SEQUENCE_MS && (key === "q" || key === "m")) {
      handled = go(key === "q" ? "data-queue-url" : "data-mine-url");
    } else if (key === "?") {
      openOverlay();
      handled = true;
    } else if (key === "/") {
      handled = focusFilters();
    } else if (!event.shiftKey) {
      if (key === "j") handled = move(1);
      else if (key === "k") handled = move(-1);
      else if (key === "o" || (key === "Enter" && event.target.matches && event.target.matches("tr[data-case-row]"))) {
        handled = openCurrent();
      } else if (key === "c") handled = claimNext();
    }
    pendingG = key === "g" && !handled ? Date.now() : 0;
    if (handled) event.preventDefault();
  });

  // The row an action came back to (the queue marks it): autofocus does it where supported.
  var marked = document.querySelector("[data-focus]");
  if (marked && (document.activeElement === document.body || !document.activeElement)) marked.focus();
})();
