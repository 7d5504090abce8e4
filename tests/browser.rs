//! A real browser for the web app's tests: Debian's Chromium, headless, driven over WebDriver
//! (chromedriver + fantoccini), with a screenshot of every page kept as an artifact.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use stint_test_support::TestApp;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const WAIT: Duration = Duration::from_secs(20);

/// Where screenshots go: `STINT_SCREENSHOTS`, else beside the build's other test output.
pub(crate) fn screenshot_dir() -> PathBuf {
    std::env::var_os("STINT_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots"))
}

pub(crate) struct Browser {
    pub(crate) client: Client,
    driver: Child,
    base: String,
    name: &'static str,
}

impl Browser {
    /// A fresh browser (no cookies, no cache) with a window of this size, at `app`.
    pub(crate) async fn open(
        app: &TestApp,
        name: &'static str,
        width: u32,
        height: u32,
    ) -> Browser {
        let web = stint_test_support::web_dir().join("index.html");
        assert!(
            web.exists(),
            "the web app is not built ({}): run `just web` (`just test` does it first)",
            web.display()
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver_path =
            std::env::var("STINT_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".to_owned());
        let mut command = Command::new(&driver_path);
        command
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // Its own process group, so that dropping the browser ends Chromium too.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let driver = command.spawn().unwrap_or_else(|err| {
            panic!("cannot start {driver_path} ({err}): install chromium and chromium-driver (`just test` does)")
        });
        let chromium =
            std::env::var("STINT_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".to_owned(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-quic",
                    format!("--window-size={width},{height}")
                ]
            }),
        );
        capabilities.insert("unhandledPromptBehavior".to_owned(), json!("ignore"));
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let started = Instant::now();
        let client = loop {
            match ClientBuilder::new(connector.clone())
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => break client,
                Err(err) if started.elapsed() > WAIT => panic!("chromedriver did not start: {err}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        Browser {
            client,
            driver,
            base: app.address.clone(),
            name,
        }
    }

    pub(crate) async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .expect("navigates");
    }

    pub(crate) async fn find(&self, css: &str) -> Element {
        let found = self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await;
        match found {
            Ok(element) => element,
            Err(err) => panic!(
                "no `{css}` on the page ({err}):\n{}",
                self.page_text().await
            ),
        }
    }

    pub(crate) async fn fill(&self, css: &str, text: &str) {
        let input = self.find(css).await;
        input.clear().await.expect("clears");
        input.send_keys(text).await.expect("types");
    }

    /// Sets an input's value as a person choosing it would (date and time pickers cannot be typed
    /// into the same way in every locale).
    pub(crate) async fn set_value(&self, css: &str, value: &str) {
        self.find(css).await;
        self.client
            .execute(
                "const input = document.querySelector(arguments[0]);
                 input.value = arguments[1];
                 input.dispatchEvent(new Event('input', { bubbles: true }));
                 input.dispatchEvent(new Event('change', { bubbles: true }));",
                vec![json!(css), json!(value)],
            )
            .await
            .expect("sets the value");
    }

    pub(crate) async fn click(&self, css: &str) {
        self.find(css).await.click().await.expect("clicks");
    }

    /// Clicks the `css` element whose text is `text` (a button among several).
    pub(crate) async fn click_text(&self, css: &str, text: &str) {
        let started = Instant::now();
        loop {
            for element in self
                .client
                .find_all(Locator::Css(css))
                .await
                .unwrap_or_default()
            {
                if element.text().await.unwrap_or_default().trim() == text {
                    element.click().await.expect("clicks");
                    return;
                }
            }
            if started.elapsed() > WAIT {
                panic!("no `{css}` reading `{text}`:\n{}", self.page_text().await);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until an element matching `css` contains `needle`; returns its text.
    pub(crate) async fn wait_text(&self, css: &str, needle: &str) -> String {
        let started = Instant::now();
        loop {
            for element in self
                .client
                .find_all(Locator::Css(css))
                .await
                .unwrap_or_default()
            {
                let text = element.text().await.unwrap_or_default();
                if text.contains(needle) {
                    return text;
                }
            }
            if started.elapsed() > WAIT {
                panic!(
                    "no `{css}` containing `{needle}`:\n{}",
                    self.page_text().await
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Accepts the `confirm()` a click just opened.
    pub(crate) async fn accept_confirm(&self) {
        let started = Instant::now();
        while self.client.accept_alert().await.is_err() {
            assert!(started.elapsed() < WAIT, "no confirmation was asked");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub(crate) async fn page_text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(err) => format!("(no page: {err})"),
        }
    }

    pub(crate) async fn value(&self, css: &str) -> String {
        self.find(css)
            .await
            .prop("value")
            .await
            .expect("reads the value")
            .unwrap_or_default()
    }

    pub(crate) async fn script(&self, script: &str) -> Value {
        self.client
            .execute(script, Vec::new())
            .await
            .expect("runs the script")
    }

    /// Saves a screenshot of the page as `<test>-<name>.png`.
    pub(crate) async fn shot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        std::fs::write(dir.join(format!("{}-{name}.png", self.name)), png)
            .expect("writes the screenshot");
    }

    pub(crate) async fn close(mut self) {
        let client = self.client.clone();
        let _ = client.close().await;
        self.stop_driver();
    }

    fn stop_driver(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.driver.id())])
            .status();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if matches!(self.driver.try_wait(), Ok(None)) {
            self.stop_driver();
        }
    }
}

/// A provider's authorization page where the person always consents: it sends the browser
/// straight back to the `redirect_uri` with a code and the state, as a real provider does after
/// the person clicks "Authorize".
pub(crate) async fn consenting_authorize_page(provider: &MockServer, page: &str, code: &str) {
    let code = code.to_owned();
    Mock::given(method("GET"))
        .and(path(page))
        .respond_with(move |request: &Request| {
            let param = |name: &str| {
                request
                    .url
                    .query_pairs()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            let mut back = url::Url::parse(&param("redirect_uri")).expect("a redirect_uri");
            back.query_pairs_mut()
                .append_pair("code", &code)
                .append_pair("state", &param("state"));
            ResponseTemplate::new(302).insert_header("location", back.as_str())
        })
        .mount(provider)
        .await;
}
