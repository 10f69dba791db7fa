extension StaticAssets {
    /// `generate.js`: the prompt bar, "Run it again" and "Make a variant", and the Tasks page's
    /// Resume. The cost is shown before sending and spent only after a confirm click; each
    /// confirmed request carries a new idempotency key (`key`), kept when the same request is
    /// retried, and its button is disabled while it is sent, so neither a double click nor a
    /// retried POST spends twice. Placeholders poll `/api/tasks` and become the server's tiles
    /// as images land. Everything from the server goes in through textContent, except the tiles,
    /// which the server rendered with every value escaped.
    static let generateJS = StaticAsset(
        name: "generate.js", contentType: "text/javascript; charset=utf-8",
        body: #"""
            "use strict";
            (function () {
              const $ = (id) => document.getElementById(id);
              const plural = (n, word) => n + " " + word + (n === 1 ? "" : "s");

              function say(text, error) {
                const line = $("gen-status");
                if (!line) return;
                line.textContent = text;
                line.classList.toggle("error", !!error);
              }

              function newKey() {
                const bytes = new Uint8Array(16);
                crypto.getRandomValues(bytes);
                return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
              }

              // app.js's POST; a refusal throws its reason, for the caller's status line.
              async function post(url, body) {
                const answer = await window.gptimg.postJSON(url, body);
                if (answer.ok) return answer.json;
                const json = answer.json;
                throw new Error(answer.status === 0 ? answer.message
                  : (json && json.error) || "the gallery answered " + answer.status);
              }

              // The limits and the last balance, under the prompt bar's cost.
              let spending = null;
              function limitsText() {
                if (!spending) return "";
                const parts = ["At most " + spending.max_credits + " credits a request"];
                if (spending.monthly_budget !== null && spending.monthly_budget !== undefined) {
                  parts.push(spending.remaining_this_month + " of this month's " + spending.monthly_budget + " left");
                } else {
                  parts.push(spending.spent_this_month + " spent this month");
                }
                parts.push(spending.last_balance
                  ? "last balance reported: " + spending.last_balance.credits
                  : "no balance reported yet");
                return parts.join(" · ") + (spending.problem ? " · " + spending.problem : "");
              }

              // One confirm step, shared by every spending control of the page.
              let asked = null;
              function ask(url, body, cost, what, done) {
                asked = { url: url, body: Object.assign({ key: newKey() }, body), done: done };
                $("gen-confirm-text").textContent = "Spend " + plural(cost, "credit") + " on " + what + "?";
                $("gen-confirm").hidden = false;
                $("gen-confirm-yes").disabled = false;
                $("gen-confirm-yes").focus();
              }
              if ($("gen-confirm-yes")) {
                $("gen-confirm-yes").addEventListener("click", async () => {
                  if (!asked) return;
                  const sending = asked;
                  $("gen-confirm-yes").disabled = true;
                  say("Sending…");
                  try {
                    const answer = await post(sending.url, sending.body);
                    asked = null;
                    $("gen-confirm").hidden = true;
                    if (answer.spending) spending = answer.spending;
                    sending.done(answer.tasks[0]);
                  } catch (error) {
                    // The same key again on a retry: if the first POST got through, nothing more is spent.
                    say(error.message, true);
                    $("gen-confirm-yes").disabled = false;
                  }
                });
                $("gen-confirm-no").addEventListener("click", () => {
                  asked = null;
                  $("gen-confirm").hidden = true;
                  say("");
                });
              }

              // Polling: each watched generation has a handler; it returns true once done with it.
              const watchers = new Map();
              let polling = false;
              function watch(task, handler) {
                watchers.set(task.generation, handler);
                if (handler(task)) watchers.delete(task.generation);
                if (!polling) poll();
              }
              async function poll() {
                polling = true;
                while (watchers.size > 0) {
                  await new Promise((resolve) => setTimeout(resolve, 600));
                  try {
                    const ids = Array.from(watchers.keys()).join(",");
                    const response = await fetch("/api/tasks?ids=" + ids, { credentials: "same-origin" });
                    if (!response.ok) continue;
                    const answer = await response.json();
                    if (answer.spending) { spending = answer.spending; showCost(); }
                    for (const task of answer.tasks) {
                      const handler = watchers.get(task.generation);
                      if (handler && handler(task)) watchers.delete(task.generation);
                    }
                  } catch (error) {
                    // The next round asks again.
                  }
                }
                polling = false;
              }

              function stageText(task) {
                if (task.stage === "failed" || task.stage === "unknown") {
                  return task.stage + ": " + (task.error || "no reason given");
                }
                return task.stage;
              }

              // The grid: a placeholder tile per image, replaced by the real tile as each lands.
              const grid = $("grid");
              function placeholders(task) {
                if (!grid || document.querySelector('.placeholder[data-generation="' + task.generation + '"]')) return;
                const tiles = [];
                for (let i = 0; i < task.n; i++) {
                  const tile = document.createElement("li");
                  tile.className = "tile placeholder";
                  tile.dataset.generation = String(task.generation);
                  const box = document.createElement("div");
                  box.className = "ph-box";
                  const parts = String(task.aspect || "1:1").split(":").map(Number);
                  if (parts.length === 2 && parts[0] > 0 && parts[1] > 0) {
                    box.style.aspectRatio = parts[0] + " / " + parts[1];
                  }
                  const stage = document.createElement("span");
                  stage.className = "ph-stage";
                  box.appendChild(stage);
                  const caption = document.createElement("span");
                  caption.className = "caption";
                  caption.textContent = task.prompt;
                  tile.append(box, caption);
                  tiles.push(tile);
                }
                for (let i = tiles.length - 1; i >= 0; i--) grid.prepend(tiles[i]);
                watch(task, (current) => {
                  const selector = '.placeholder[data-generation="' + current.generation + '"]';
                  const left = Array.from(document.querySelectorAll(selector));
                  const landed = current.tiles.length;
                  const shown = task.n - left.length;
                  for (let i = shown; i < landed && left.length > 0; i++) {
                    const page = new DOMParser().parseFromString("<ul>" + current.tiles[i] + "</ul>", "text/html");
                    const real = page.querySelector("li");
                    if (!real) continue;
                    left.shift().replaceWith(document.adoptNode(real));
                    const total = $("total");
                    if (total) {
                      total.textContent = (Number(total.textContent.replace(/[^0-9]/g, "")) + 1).toLocaleString();
                    }
                  }
                  const ended = !current.running && current.stage !== "processing";
                  for (const tile of left) {
                    tile.querySelector(".ph-stage").textContent = stageText(current);
                    tile.classList.toggle("failed", current.stage === "failed" || current.stage === "unknown");
                    if (ended && current.stage === "completed") tile.remove();
                  }
                  if (ended) say(current.ref + " " + current.status + (current.error ? ": " + current.error : ""),
                    current.status !== "completed");
                  return ended;
                });
              }

              const bar = $("prompt-bar");
              function cost() {
                const perImage = Number(bar.dataset.creditsPerImage) || 2;
                return perImage * (Number(bar.elements.n.value) || 1);
              }
              function showCost() {
                if (!bar) return;
                const over = spending && cost() > spending.max_credits;
                $("gen-cost").textContent = "Costs " + plural(cost(), "credit") +
                  (over ? " — over the limit of " + spending.max_credits + " a request" : "") +
                  (spending ? ". " + limitsText() : "");
                $("gen-cost").classList.toggle("error", !!over);
                $("gen-submit").textContent = "Generate · " + plural(cost(), "credit");
              }
              if (bar) {
                bar.addEventListener("change", showCost);
                bar.addEventListener("input", showCost);
                bar.addEventListener("submit", (event) => {
                  event.preventDefault();
                  const prompt = bar.elements.prompt.value.trim();
                  if (!prompt) { say("Type a prompt first.", true); return; }
                  const n = Number(bar.elements.n.value) || 1;
                  const words = (text) => text.split(",").map((s) => s.trim()).filter((s) => s);
                  const body = {
                    prompt: prompt, aspect: bar.elements.aspect.value, n: n,
                    references: Array.from(bar.querySelectorAll('input[name="reference"]')).map((i) => i.value.trim())
                      .filter((s) => s),
                    tags: words(bar.elements.tags.value), collection: bar.elements.collection.value.trim(),
                  };
                  say("");
                  ask("/api/generate", body, cost(), plural(n, "image"), (task) => {
                    say(task.ref + " submitted.");
                    placeholders(task);
                  });
                });
                showCost();
              }

              // On any page: the limits, and this server's running generations as placeholders.
              const first = fetch("/api/tasks", { credentials: "same-origin" });
              first.then((r) => (r.ok ? r.json() : null)).then((answer) => {
                if (!answer) return;
                spending = answer.spending;
                showCost();
                for (const task of answer.tasks) if (task.running) placeholders(task);
              }).catch(() => {});

              // The image page: run it again, or a variant with an edited prompt.
              const actions = $("gen-actions");
              function follow(task) {
                watch(task, (current) => {
                  const ended = !current.running && current.stage !== "processing";
                  const line = $("gen-status");
                  line.textContent = current.ref + ": " + stageText(current);
                  line.classList.toggle("error", current.stage === "failed" || current.stage === "unknown");
                  if (ended && current.images.length > 0) {
                    line.append(" — ");
                    current.images.forEach((id, index) => {
                      const link = document.createElement("a");
                      link.href = "/image/" + id;
                      link.textContent = "#" + id;
                      if (index > 0) line.append(", ");
                      line.append(link);
                    });
                  }
                  return ended;
                });
              }
              if (actions) {
                const id = actions.dataset.image;
                const perImage = Number(actions.dataset.creditsPerImage) || 2;
                $("gen-rerun").addEventListener("click", () => {
                  const n = Number($("gen-rerun").dataset.n) || 1;
                  ask("/api/rerun/" + encodeURIComponent(id), {}, n * perImage, "running it again", follow);
                });
                const variant = $("gen-variant");
                if (variant) {
                  variant.addEventListener("submit", (event) => {
                    event.preventDefault();
                    const n = Number(variant.elements.n.value) || 1;
                    ask("/api/variant/" + encodeURIComponent(id),
                      { prompt: variant.elements.prompt.value, n: n }, n * perImage, "a variant", follow);
                  });
                }
              }

              // The Tasks page: Resume polls a recorded task to its end (nothing is sent again).
              document.querySelectorAll("button.resume").forEach((button) => {
                button.addEventListener("click", async () => {
                  button.disabled = true;
                  const row = button.closest("tr");
                  try {
                    const answer = await post("/api/tasks/" + encodeURIComponent(button.dataset.ref) + "/resume", {});
                    watch(answer.tasks[0], (current) => {
                      const ended = !current.running && current.stage !== "processing";
                      row.querySelector(".stage").textContent = current.stage;
                      row.querySelector(".reason").textContent = current.error || "";
                      row.dataset.status = current.status;
                      if (ended) {
                        button.remove();
                        say(current.ref + " " + current.status +
                          (current.images.length ? ": " + plural(current.images.length, "image") + " landed" : ""),
                          current.status !== "completed");
                      }
                      return ended;
                    });
                  } catch (error) {
                    say(error.message, true);
                    button.disabled = false;
                  }
                });
              });
            })();
            """#)
}
