// SLA countdowns: every <time data-countdown datetime="..."> says "due in 2 h 14 min" or
// "overdue by 5 min", rewritten every half minute. The server renders the same words
// (innerloop/templatetags/countdown.py), so without JavaScript the text is that of page load.
(function () {
  "use strict";
  var HOUR = 60;
  var DAY = 24 * HOUR;
  // The words in the person's language, rendered by the server on <body> (base.html).
  var WORDS = document.body ? document.body.dataset : {};
  function say(key, fallback, length) {
    return (WORDS[key] || fallback).replace("{duration}", length || "");
  }

  function duration(minutes) {
    if (minutes < HOUR) return minutes + " min";
    if (minutes < DAY) {
      var rest = minutes % HOUR;
      return Math.floor(minutes / HOUR) + " h" + (rest ? " " + rest + " min" : "");
    }
    var hours = Math.floor((minutes % DAY) / HOUR);
    return Math.floor(minutes / DAY) + " " + say("countdownDay", "d") + (hours ? " " + hours + " h" : "");
  }

  function words(seconds) {
    var minutes = Math.floor(Math.abs(seconds) / 60);
    if (minutes === 0) return say("countdownDueNow", "due now");
    return seconds < 0
      ? say("countdownOverdueBy", "overdue by {duration}", duration(minutes))
      : say("countdownDueIn", "due in {duration}", duration(minutes));
  }

  function update() {
    var now = Date.now();
    var clocks = document.querySelectorAll("time[data-countdown]");
    for (var i = 0; i < clocks.length; i++) {
      var due = Date.parse(clocks[i].getAttribute("datetime"));
      if (isNaN(due)) continue;
      var seconds = (due - now) / 1000;
      var text = words(seconds);
      if (clocks[i].textContent !== text) clocks[i].textContent = text;
      clocks[i].classList.toggle("overdue", seconds < 0);
    }
  }

  update();
  window.setInterval(update, 30000);
  // Rows the queue swaps in with htmx get their countdown at once, not half a minute later.
  document.addEventListener("htmx:afterSwap", update);
})();
