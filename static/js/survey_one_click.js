// The survey email's one click (feedback/surveys/response_views.py). A link with a score opens the
// response page with that score selected and the form marked data-one-click; a GET records nothing,
// because mail security scanners fetch every link of a message. This sends the marked form once on
// load, so one click still records the score; the answer's redirect lands on the page without the
// mark, which offers the comment box and sends nothing by itself. Without JavaScript the person
// presses Send.
(function () {
  "use strict";
  var form = document.querySelector("form[data-one-click]");
  if (!form) return;
  form.removeAttribute("data-one-click");
  var send = form.querySelector("button[type=submit]");
  if (send) send.setAttribute("aria-busy", "true");
  form.submit();
})();
