// Progressive enhancement for the quiz runner: a live countdown of the time
// the server computed. The server stays authoritative: it refuses any choice
// or submission after the deadline whatever this shows. When the count
// reaches zero the runner is loaded again, and the server finishes the quiz and shows
// its report. Without this file the page shows the time left when it loaded.
(() => {
  const countdown = document.querySelector("[data-quiz-countdown]");
  if (!countdown) {
    return;
  }
  const seconds = Number.parseInt(countdown.dataset.secondsLeft, 10);
  if (Number.isNaN(seconds)) {
    return;
  }
  const status = document.querySelector("[data-quiz-timer-status]");
  const note = document.querySelector("[data-quiz-timer-note]");
  if (note) {
    note.hidden = true;
  }
  const endsAt = Date.now() + seconds * 1000;
  // Announced once each to screen readers (the countdown itself stays silent).
  const warnings = [
    [300, "5 minutes left in this quiz."],
    [60, "1 minute left in this quiz."],
  ];
  const announced = new Set(warnings.filter(([at]) => seconds <= at).map(([at]) => at));

  const format = (total) => {
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const secs = total % 60;
    const pad = (n) => String(n).padStart(2, "0");
    if (hours) {
      return `${hours} h ${pad(minutes)} min`;
    }
    if (minutes) {
      return `${minutes} min ${pad(secs)} s`;
    }
    return `${secs} s`;
  };

  let timer = null;
  const tick = () => {
    const left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
    countdown.textContent = format(left);
    for (const [at, message] of warnings) {
      if (left <= at && !announced.has(at)) {
        announced.add(at);
        if (status) {
          status.textContent = message;
        }
      }
    }
    if (left === 0) {
      window.clearInterval(timer);
      countdown.textContent = "time is up";
      if (status) {
        status.textContent = "Time is up. Loading the quiz report.";
      }
      // A GET of the runner (never a reload, which could repost a form).
      window.setTimeout(() => window.location.assign(countdown.dataset.quizUrl || window.location.pathname), 1000);
    }
  };
  timer = window.setInterval(tick, 1000);
  tick();
})();
