// The case page's message form: choosing a template puts its text, already filled in for this case
// on the server (the page's #message-templates JSON), into the subject and message for the agent to
// read and edit. Without JavaScript the "Use template" button does the same with a round trip.
// What is sent is whatever the two fields hold when the agent presses "Send message".
(function () {
  "use strict";
  var data = document.getElementById("message-templates");
  var form = document.getElementById("message-form");
  var picker = document.getElementById("message-template");
  if (!data || !form || !picker) return;
  var texts = {};
  JSON.parse(data.textContent).forEach(function (text) { texts[text.slug] = text; });
  var subject = form.elements.subject;
  var body = form.elements.body;
  var chosen = form.elements.template;
  var note = document.getElementById("message-template-note");
  // The text last put in, so that a later choice replaces it silently, but asks before it
  // replaces what the agent wrote themselves.
  var last = { subject: subject.value, body: body.value };
  var previous = picker.value;

  function edited() {
    return (subject.value.trim() && subject.value !== last.subject) ||
      (body.value.trim() && body.value !== last.body);
  }

  function put(text) {
    subject.value = text.subject;
    body.value = text.body;
    chosen.value = text.slug;
    last = { subject: text.subject, body: text.body };
    if (note) {
      note.textContent = text.note;
      note.hidden = !text.note;
    }
  }

  picker.addEventListener("change", function () {
    var text = texts[picker.value];
    if (!text) return;
    if (edited() && !window.confirm(form.getAttribute("data-replace-question"))) {
      picker.value = previous;
      return;
    }
    previous = picker.value;
    put(text);
  });

  // "Use template" fills in place too, without reloading the page (and what was typed).
  document.getElementById("message-template-form").addEventListener("submit", function (event) {
    var text = texts[picker.value];
    if (!text) return; // the server says what is missing
    event.preventDefault();
    if (edited() && !window.confirm(form.getAttribute("data-replace-question"))) return;
    previous = picker.value;
    put(text);
    subject.focus();
  });
})();
