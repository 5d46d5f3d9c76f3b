"use strict";
// cxloop's additions to the Django admin, loaded by templates/admin/base_site.html.
//
// Django's two-box selector (filter_horizontal) puts an aria-label on a bare <span>, the magnifier
// beside "Filter", which ARIA does not allow there (axe-core's aria-prohibited-attr). As an image
// the label is allowed, and read out as the filter box's name. The boxes are built on the page's
// load event, and again for an inline row added later, so this watches the page for them.
(function () {
  function nameIcons() {
    document.querySelectorAll("span.help-tooltip[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }
  new MutationObserver(nameIcons).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", nameIcons);
})();
