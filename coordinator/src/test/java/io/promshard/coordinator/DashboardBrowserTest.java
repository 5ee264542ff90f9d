package io.promshard.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dropwizard.testing.DropwizardTestSupport;
import io.promshard.client.Json;
import io.promshard.client.api.WorkerInfo;
import io.promshard.client.api.WorkerState;
import io.promshard.client.testing.LoopbackZooKeeper;
import io.promshard.client.testing.Poll;
import io.promshard.client.zk.ZkLayout;
import io.promshard.coordinator.cluster.TestSidecar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * The dashboard in a real headless Chromium (Debian's chromium and chromium-driver) against a running
 * coordinator: it loads without console errors, shows the workers, reacts to a join within its
 * refresh interval, shows hostile text as text, and leaves a screenshot in target/.
 */
class DashboardBrowserTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    static String executable(String... candidates) {
        for (String c : candidates) {
            if (Files.isExecutable(Path.of(c))) {
                return c;
            }
        }
        throw new AssertionError("none of " + List.of(candidates) + " is installed: install Debian's chromium and "
                + "chromium-driver packages (ops/test.sh does)");
    }

    static WebDriver chromium(Path profile) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(executable("/usr/bin/chromium"));
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1280,1000", "--user-data-dir=" + profile);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of(executable("/usr/bin/chromedriver")).toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    @Test
    void dashboardShowsTheClusterAndFollowsAJoin() throws Exception {
        Path tmp = Files.createTempDirectory("dashboard");
        try (TestingServer zk = LoopbackZooKeeper.start()) {
            DropwizardTestSupport<CoordinatorConfiguration> app = ApiCluster.startApp(zk, tmp.resolve("out"), "c1");
            TestSidecar w1 = new TestSidecar(zk.getConnectString(), "apptest", "w1", tmp.resolve("sd1"));
            WebDriver browser = chromium(tmp.resolve("profile"));
            try (CuratorFramework raw = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100))) {
                raw.start();
                Poll.until("w1 holding the 10 targets", WAIT, () -> w1.owned().size() == 10);
                String base = "http://127.0.0.1:" + app.getLocalPort();
                browser.get(base + "/?refresh=1");
                Poll.until("the page listing w1 with its 10 targets", WAIT, () -> row(browser, "w1").contains("10"));
                assertEquals("healthy", browser.findElement(By.id("health")).getText());
                assertTrue(browser.findElement(By.id("cluster")).getText().contains("c1"));

                // a join, by a worker whose zone is hostile markup: shown as text, never run
                String hostile = "<img src=x onerror=\"window.pwned=1\">";
                WorkerInfo w2 = new WorkerInfo(WorkerInfo.FORMAT, "w2", "http://127.0.0.1:19999", "", hostile, 1,
                        WorkerState.ACTIVE, 0, 0);
                raw.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL)
                        .forPath(ZkLayout.forCluster("apptest").worker("w2"), Json.mapper().writeValueAsBytes(w2));
                Poll.until("the join shown within the refresh interval", Duration.ofSeconds(10),
                        () -> row(browser, "w2").contains(hostile) && !row(browser, "w2").contains(" 0 "));
                assertEquals(Boolean.FALSE, ((JavascriptExecutor) browser).executeScript("return 'pwned' in window"));
                assertTrue(browser.findElements(By.cssSelector("#workers img")).isEmpty());
                assertEquals(2, browser.findElements(By.cssSelector("#chart rect")).size());
                // the events table is fetched beside the workers, possibly before the join's epoch was published
                Poll.until("the join's rebalance in the events table", WAIT,
                        () -> browser.findElements(By.cssSelector("#events tbody tr")).size() >= 2);

                // coverage per job, against the job's replication
                Poll.until("the static job's coverage row", WAIT, () -> {
                    List<String> cells = browser.findElements(By.cssSelector("#coverage tbody tr[data-job='static'] td"))
                            .stream().map(WebElement::getText).toList();
                    return cells.size() == 6 && cells.subList(0, 2).equals(List.of("static", "1"));
                });

                // the lookup box
                browser.findElement(By.id("lookup-job")).sendKeys("static");
                browser.findElement(By.id("lookup-address")).sendKeys("127.0.0.1:9101");
                browser.findElement(By.cssSelector("#lookup button")).click();
                Poll.until("the lookup answer", WAIT, () -> browser.findElement(By.id("lookup-result")).getText()
                        .contains("static/127.0.0.1:9101: owned by"));

                // drain needs the token: without it the page says it was refused
                click(browser, "button[data-worker='w1']");
                Poll.until("the refusal shown", WAIT, () -> browser.findElement(By.id("action")).getText()
                        .contains("refused"));
                WebElement token = browser.findElement(By.id("token"));
                token.sendKeys(ApiCluster.TOKEN);
                click(browser, "button[data-worker='w1']");
                // (w2 is only a znode with no sidecar to confirm, so w1 keeps scraping during the hand-off)
                Poll.until("w1 shown drained", WAIT, () -> row(browser, "w1").contains("DRAINED")
                        && browser.findElement(By.id("action")).getText().contains("draining w1"));

                byte[] png = ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES);
                Path shot = Path.of("target", "dashboard.png");
                Files.createDirectories(shot.getParent());
                Files.write(shot, png);
                assertTrue(png.length > 10_000, "screenshot of " + png.length + " bytes");

                List<LogEntry> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                        // the refused drain above is a 401 the page expects and handles
                        .filter(e -> !e.getMessage().contains("401")).toList();
                assertTrue(errors.isEmpty(), "console errors: " + errors);
            } finally {
                browser.quit();
                w1.close();
                app.after();
            }
        }
    }

    /** The worker's row as text; "" while it is absent or being re-rendered (the table is rebuilt at every refresh). */
    private static String row(WebDriver browser, String worker) {
        try {
            List<WebElement> rows = browser.findElements(By.cssSelector("#workers tbody tr[data-worker='" + worker + "']"));
            return rows.isEmpty() ? "" : rows.get(0).getText();
        } catch (StaleElementReferenceException e) {
            return "";
        }
    }

    /** Clicks an element of the table, finding it again if a refresh replaced it in between. */
    private static void click(WebDriver browser, String css) {
        Poll.until("a click on " + css, WAIT, () -> {
            try {
                browser.findElement(By.cssSelector(css)).click();
                return true;
            } catch (StaleElementReferenceException e) {
                return false;
            }
        });
    }

}
