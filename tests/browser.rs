//! The HTML readiness report in a real browser: Debian's `chromium`, headless,
//! driven over the DevTools protocol on `--remote-debugging-pipe`. The page
//! loaded from disk shows the JSON report's counts, its filters work, and a
//! screenshot is kept in `target/browser/`. Without chromium the test is
//! skipped with a reason, unless `AIRWORTHY_CI` is set (CI).

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(30);

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// A headless chromium and one page in it.
struct Browser {
    child: Child,
    commands: File,
    messages: Receiver<Value>,
    next_id: u64,
    session: String,
}

impl Browser {
    fn launch(chromium: &Path, dir: &Path) -> Browser {
        let (input, output) = (dir.join("commands"), dir.join("messages"));
        for fifo in [&input, &output] {
            let made = Command::new("mkfifo").arg(fifo).status().unwrap();
            assert!(made.success(), "mkfifo {}", fifo.display());
        }
        // The protocol runs over descriptors 3 (commands) and 4 (messages).
        let child = Command::new("sh")
            .arg("-c")
            .arg(r#"exec "$0" "$@" 3<"$COMMANDS" 4>"$MESSAGES""#)
            .arg(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", dir.join("profile").display()))
            .env("COMMANDS", &input)
            .env("MESSAGES", &output)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(dir.join("chromium.log")).unwrap())
            .spawn()
            .unwrap();
        // Opening a FIFO waits for its other end, in the order the shell
        // opens them.
        let commands = File::options().write(true).open(&input).unwrap();
        let reader = BufReader::new(File::open(&output).unwrap());
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            for message in reader.split(0) {
                let Ok(message) = message else { break };
                let Ok(value) = serde_json::from_slice(&message) else {
                    continue;
                };
                if sender.send(value).is_err() {
                    break;
                }
            }
        });
        let mut browser = Browser {
            child,
            commands,
            messages,
            next_id: 0,
            session: String::new(),
        };
        let target = browser.call("Target.createTarget", json!({"url": "about:blank"}));
        let attached = browser.call(
            "Target.attachToTarget",
            json!({"targetId": target["targetId"], "flatten": true}),
        );
        browser.session = attached["sessionId"].as_str().unwrap().to_string();
        browser
    }

    /// Sends a command and waits for its result.
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let mut command = json!({"id": self.next_id, "method": method, "params": params});
        if !self.session.is_empty() {
            command["sessionId"] = self.session.clone().into();
        }
        let mut bytes = serde_json::to_vec(&command).unwrap();
        bytes.push(0);
        self.commands.write_all(&bytes).unwrap();
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.messages.recv_timeout(left) {
                Ok(message) if message["id"] == self.next_id => {
                    assert!(message["error"].is_null(), "{method}: {message}");
                    return message["result"].clone();
                }
                Ok(_event) => {}
                Err(RecvTimeoutError::Timeout) => panic!("{method}: no answer in {TIMEOUT:?}"),
                Err(RecvTimeoutError::Disconnected) => panic!("{method}: chromium went away"),
            }
        }
    }

    /// Evaluates a JavaScript expression in the page; its value as JSON.
    fn eval(&mut self, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true}),
        );
        assert!(
            result["exceptionDetails"].is_null(),
            "{expression}: {result}"
        );
        result["result"]["value"].clone()
    }

    fn open(&mut self, url: &str) {
        self.call("Page.navigate", json!({"url": url}));
        let deadline = Instant::now() + TIMEOUT;
        while self.eval("document.readyState") != "complete" {
            assert!(Instant::now() < deadline, "{url} did not load");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn screenshot(&mut self, path: &Path) {
        let shot = self.call("Page.captureScreenshot", json!({"format": "png"}));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, base64(shot["data"].as_str().unwrap())).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let digits: Vec<u8> = text.bytes().filter(|&c| c != b'=').map(value).collect();
    digits
        .chunks(4)
        .flat_map(|chunk| {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, &d)| n | u32::from(d) << (18 - 6 * i));
            n.to_be_bytes()[1..chunk.len()].to_vec()
        })
        .collect()
}

fn airworthy(args: &[&str]) -> Vec<u8> {
    let output = assert_cmd::Command::cargo_bin("airworthy")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{args:?}");
    output.stdout
}

/// The statuses of the leaf items of a JSON report's item tree.
fn leaves(items: &Value, statuses: &mut Vec<String>) {
    for item in items.as_array().unwrap() {
        match item["items"].as_array().unwrap().is_empty() {
            true => statuses.push(item["status"].as_str().unwrap().to_string()),
            false => leaves(&item["items"], statuses),
        }
    }
}

/// The leaf items shown, by status.
const SHOWN: &str = "JSON.stringify(Array.from(document.querySelectorAll('li.item[data-leaf]'))
    .filter((li) => li.offsetParent !== null).map((li) => li.dataset.status))";

#[test]
fn the_html_report_shows_the_json_counts_and_filters_by_status() {
    let Some(chromium) = chromium() else {
        assert!(
            std::env::var_os("AIRWORTHY_CI").is_none(),
            "AIRWORTHY_CI is set but chromium is not on PATH"
        );
        eprintln!("skipped: chromium is not on PATH (apt-get install chromium)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("readiness.html");
    airworthy(&[
        "report",
        "examples",
        "--format",
        "html",
        "--output",
        page.to_str().unwrap(),
    ]);
    let report: Value =
        serde_json::from_slice(&airworthy(&["report", "examples", "--format", "json"])).unwrap();
    let mut statuses = Vec::new();
    for checklist in report["checklists"].as_array().unwrap() {
        for section in checklist["sections"].as_array().unwrap() {
            leaves(&section["items"], &mut statuses);
        }
    }
    let count = |status: &str| statuses.iter().filter(|s| *s == status).count();
    let summary = &report["summary"];
    let names = [
        "passed",
        "failing",
        "partially-checked",
        "not-applicable",
        "not-checked",
        "manual",
    ];
    for name in names {
        assert!(count(name) > 0, "examples/ has no {name} item");
        assert_eq!(summary[name], count(name), "{name}");
    }

    let mut browser = Browser::launch(&chromium, dir.path());
    browser.call(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": 1280, "height": 1400, "deviceScaleFactor": 1, "mobile": false}),
    );
    browser.open(&format!("file://{}", page.display()));

    // The counts shown are the JSON report's.
    let shown = browser.eval(
        "Object.fromEntries(Array.from(document.querySelectorAll('dd[data-count]'))
            .map((dd) => [dd.dataset.count, Number(dd.textContent)]))",
    );
    for name in names {
        assert_eq!(shown[name], summary[name], "count of {name} shown");
    }
    let percent = (summary["score"].as_f64().unwrap() * 100.0).floor();
    assert_eq!(
        browser.eval("document.querySelector('[data-score=overall]').textContent"),
        format!("{percent}\u{a0}%")
    );
    let all: Vec<String> = serde_json::from_str(browser.eval(SHOWN).as_str().unwrap()).unwrap();
    assert_eq!(all.len(), statuses.len(), "every item is shown at first");
    browser.screenshot(Path::new("target/browser/readiness.png"));

    // Only failing items, then failing and passed ones.
    browser.eval(
        "for (const box of document.querySelectorAll('.filters input')) {
            if (box.value !== 'failing') box.click();
        }",
    );
    let failing: Vec<String> = serde_json::from_str(browser.eval(SHOWN).as_str().unwrap()).unwrap();
    assert_eq!(failing.len(), count("failing"));
    assert!(failing.iter().all(|s| s == "failing"), "{failing:?}");
    assert_eq!(
        browser.eval("document.getElementById('shown').textContent"),
        format!("Showing {} of {} items.", count("failing"), statuses.len())
    );
    // A bold item stays in view for its failing sub-item; a section with
    // nothing to show is hidden.
    assert_eq!(
        browser.eval(
            "Array.from(document.querySelectorAll('li.item:not([data-leaf])'))
                .some((li) => li.offsetParent !== null && li.querySelector('li.item.s-failing'))"
        ),
        true
    );
    let sections_with_failing = report["checklists"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["sections"].as_array().unwrap())
        .filter(|s| s["summary"]["failing"].as_u64().unwrap() > 0)
        .count();
    assert_eq!(
        browser.eval(
            "Array.from(document.querySelectorAll('section.section'))
                .filter((s) => !s.hidden).length"
        ),
        sections_with_failing
    );
    browser.screenshot(Path::new("target/browser/readiness-failing.png"));
    browser.eval("document.querySelector('.filters input[value=passed]').click()");
    let shown: Vec<String> = serde_json::from_str(browser.eval(SHOWN).as_str().unwrap()).unwrap();
    assert_eq!(shown.len(), count("failing") + count("passed"));
}

#[test]
fn base64_decodes_padding() {
    assert_eq!(base64("aGk="), b"hi");
    assert_eq!(base64("aGV5"), b"hey");
    assert_eq!(base64("aA=="), b"h");
}
