// Quiz page enhancements; the page works the same without this file.
// 1. Count the remaining time down. The server keeps the real deadline; at zero
//    this submits the form with "finish" so the answer on screen is saved within
//    the grace period.
// 2. Save the answer as soon as it changes (JSON, CSRF token in a header), so
//    that an answer is kept even if the page is closed before "Next".
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("quiz-form");
  if (!form) return;
  const finish = document.getElementById("quiz-finish");
  let sent = false;
  form.addEventListener("submit", () => { sent = true; });

  const timer = document.getElementById("quiz-timer");
  if (timer) {
    const clock = timer.querySelector(".quiz-clock");
    const end = Date.now() + Number(timer.dataset.remaining || 0) * 1000;
    const pad = (n) => String(n).padStart(2, "0");
    const tick = () => {
      const left = Math.max(0, Math.round((end - Date.now()) / 1000));
      const hours = Math.floor(left / 3600);
      const minutes = Math.floor((left % 3600) / 60);
      const seconds = left % 60;
      clock.textContent = hours ? `${hours}:${pad(minutes)}:${pad(seconds)}`
        : `${minutes}:${pad(seconds)}`;
      if (left === 0 && !sent && finish) {
        sent = true;
        // Time is up: submit without the summary page (the server would anyway).
        const confirm = document.createElement("input");
        Object.assign(confirm, { type: "hidden", name: "confirm", value: "yes" });
        form.append(confirm);
        form.requestSubmit(finish);
      }
    };
    tick();
    setInterval(tick, 1000);
  }

  const questionField = form.querySelector("input[name=question_id]");
  const tokenField = form.querySelector("input[name=csrf_token]");
  if (!questionField || !tokenField || !window.fetch) return;
  const autosave = () => {
    if (sent) return;
    const body = {
      question_id: Number(questionField.value),
      options: Array.from(form.querySelectorAll("input[name=option]:checked"), (i) => i.value),
    };
    const text = form.querySelector("input[name=text]");
    const value = form.querySelector("input[name=value]");
    if (text) body.text = text.value;
    if (value) body.value = value.value;
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Accept": "application/json",
        "Content-Type": "application/json",
        "X-CSRFToken": tokenField.value,
      },
      body: JSON.stringify(body),
    }).then((response) => {
      // 409: the attempt was submitted (time is up); the page explains it.
      if (response.status === 409 && !sent) window.location.reload();
    }).catch(() => { /* the buttons still save the answer */ });
  };
  form.addEventListener("change", autosave);
});
