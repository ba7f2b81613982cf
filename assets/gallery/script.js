"use strict";
(function () {
  // Filter by env and by outcome (when videos have one); the choice is
  // kept in the address (#env=...&outcome=...).
  var filters = [
    { key: "env", select: document.getElementById("env-filter") },
    { key: "outcome", select: document.getElementById("outcome-filter") }
  ].filter(function (f) { return f.select; });
  var cards = Array.prototype.slice.call(document.querySelectorAll(".card"));
  var summary = document.getElementById("summary");
  var total = summary.textContent;
  function apply() {
    var shown = 0, chosen = [];
    filters.forEach(function (f) {
      if (f.select.value) { chosen.push(f.key + "=" + encodeURIComponent(f.select.value)); }
    });
    cards.forEach(function (card) {
      var show = filters.every(function (f) {
        return !f.select.value || card.getAttribute("data-" + f.key) === f.select.value;
      });
      card.hidden = !show;
      if (show) { shown += 1; }
    });
    summary.textContent = chosen.length ? shown + " of " + cards.length + " videos" : total;
    try {
      history.replaceState(null, "", chosen.length ? "#" + chosen.join("&") : location.pathname);
    } catch (e) { /* some browsers refuse on file:// */ }
  }
  function clearFilters() {
    filters.forEach(function (f) { f.select.value = ""; });
    apply();
  }
  location.hash.replace(/^#/, "").split("&").forEach(function (part) {
    var eq = part.indexOf("=");
    if (eq < 0) { return; }
    var key = part.slice(0, eq), value;
    try { value = decodeURIComponent(part.slice(eq + 1)); } catch (e) { return; }
    filters.forEach(function (f) {
      if (f.key === key && Array.prototype.some.call(f.select.options, function (o) {
        return o.value === value;
      })) {
        f.select.value = value;
      }
    });
  });
  filters.forEach(function (f) { f.select.addEventListener("change", apply); });
  apply();

  // Each video records how far it loaded (data-ready-state, data-duration,
  // data-error), for tests and for anyone inspecting the page.
  Array.prototype.forEach.call(document.querySelectorAll("video"), function (video) {
    function note() {
      video.setAttribute("data-ready-state", String(video.readyState));
      if (isFinite(video.duration)) { video.setAttribute("data-duration", String(video.duration)); }
    }
    ["loadedmetadata", "loadeddata", "canplay", "canplaythrough"].forEach(function (name) {
      video.addEventListener(name, note);
    });
    video.addEventListener("error", function () {
      var e = video.error;
      video.setAttribute("data-error", e ? e.code + " " + e.message : "unknown");
    });
    note();
    // Clean stills; controls and playback while the pointer is over a
    // video (touch and keyboard users get the controls on first use).
    video.controls = false;
    video.addEventListener("mouseenter", function () {
      video.controls = true;
      video.play().catch(function () {});
    });
    video.addEventListener("mouseleave", function () {
      video.pause();
      video.controls = false;
    });
    ["touchstart", "focus"].forEach(function (name) {
      video.addEventListener(name, function () { video.controls = true; }, { passive: true });
    });
  });

  // A GIF with a poster shows the poster, and the animation while the
  // pointer is over it, as a video plays.
  function playGif(img) { img.src = img.getAttribute("data-src"); }
  function stopGif(img) { img.src = img.getAttribute("data-poster"); }
  Array.prototype.forEach.call(document.querySelectorAll("img[data-src]"), function (img) {
    img.addEventListener("mouseenter", function () { playGif(img); });
    img.addEventListener("mouseleave", function () { stopGif(img); });
  });

  // A point of the plot plays its episode's video: the card is shown
  // (clearing the filters if they hid it), scrolled to, marked and played.
  var playing = null;
  function play(point) {
    var card = document.getElementById(point.getAttribute("data-card"));
    if (!card) { return; }
    if (card.hidden) { clearFilters(); }
    Array.prototype.forEach.call(document.querySelectorAll(".picked"), function (e) {
      e.classList.remove("picked");
    });
    card.classList.add("picked");
    point.classList.add("picked");
    if (playing && playing !== card) {
      var v = playing.querySelector("video"), g = playing.querySelector("img[data-src]");
      if (v) { v.pause(); }
      if (g) { stopGif(g); }
    }
    playing = card;
    card.scrollIntoView({ block: "center", behavior: "smooth" });
    var video = card.querySelector("video"), gif = card.querySelector("img[data-src]");
    if (video) {
      video.controls = true;
      video.currentTime = 0;
      video.play().catch(function () {});
    }
    if (gif) { playGif(gif); }
  }
  Array.prototype.forEach.call(document.querySelectorAll("svg.plot a.pt"), function (point) {
    point.addEventListener("click", function (event) {
      event.preventDefault();
      play(point);
    });
  });

  // Images (GIFs, posters, first frames of PNG sequences) record whether they loaded.
  Array.prototype.forEach.call(document.querySelectorAll("img.media"), function (img) {
    function note() {
      if (img.complete && img.naturalWidth > 0) {
        img.setAttribute("data-natural-width", String(img.naturalWidth));
      }
    }
    img.addEventListener("load", note);
    img.addEventListener("error", function () { img.setAttribute("data-error", "cannot load"); });
    note();
  });

  // Dates in the reader's time zone.
  Array.prototype.forEach.call(document.querySelectorAll("time[datetime]"), function (t) {
    var d = new Date(t.getAttribute("datetime"));
    if (!isNaN(d.getTime())) {
      t.textContent = d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
      t.title = t.getAttribute("datetime");
    }
  });
})();
