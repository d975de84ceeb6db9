// The reference's only script: the English/中文 switch (remembered in localStorage)
// and the search box of the index. Loaded in <head> so the stored language applies
// before the first paint.
(function () {
  "use strict";
  var KEY = "mlequations-language";

  function storedLanguage() {
    try {
      return window.localStorage.getItem(KEY) === "zh" ? "zh" : "en";
    } catch (error) {
      return "en";
    }
  }

  function apply(language) {
    var root = document.documentElement;
    root.classList.remove("lang-en", "lang-zh");
    root.classList.add("lang-" + language);
    root.lang = language === "zh" ? "zh-Hans" : "en";
    var input = document.getElementById("search");
    if (input) {
      input.placeholder = input.getAttribute("data-placeholder-" + language);
    }
  }

  function toggle() {
    var next = document.documentElement.classList.contains("lang-zh") ? "en" : "zh";
    try {
      window.localStorage.setItem(KEY, next);
    } catch (error) {
      // private browsing may forbid storage: switch for this page only
    }
    apply(next);
  }

  function filter() {
    var input = document.getElementById("search");
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    document.querySelectorAll(".chapter-block").forEach(function (block) {
      var visible = 0;
      block.querySelectorAll(".entry-item").forEach(function (item) {
        var text = item.getAttribute("data-search");
        var match = words.every(function (word) { return text.indexOf(word) !== -1; });
        item.hidden = !match;
        if (match) { visible += 1; }
      });
      block.hidden = visible === 0;
      shown += visible;
    });
    var count = document.getElementById("search-count");
    var total = count.getAttribute("data-total");
    count.innerHTML = words.length === 0 ? "" :
      '<span class="en" lang="en">' + shown + " of " + total + "</span>" +
      '<span class="zh" lang="zh-Hans">' + shown + " / " + total + "</span>";
    document.getElementById("no-match").hidden = shown !== 0;
  }

  apply(storedLanguage());
  document.addEventListener("DOMContentLoaded", function () {
    apply(storedLanguage());
    document.getElementById("language-switch").addEventListener("click", toggle);
    var input = document.getElementById("search");
    if (input) {
      input.addEventListener("input", filter);
      document.addEventListener("keydown", function (event) {
        if (event.key === "/" && document.activeElement !== input) {
          event.preventDefault();
          input.focus();
        }
      });
      filter();
    }
  });
})();
