package io.elspeth.pipelines.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A headless Chromium driven through Debian's chromedriver ({@code apt-get install chromium
 * chromium-driver}, done by {@code .ci/run}). A missing browser fails the test: nothing is skipped,
 * and Selenium Manager is never asked to download one.
 */
final class BrowserSession implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  /**
   * Where a test run leaves the console's screenshots: {@code pipelines/target/web-screenshots}, so
   * that running the tests changes no tracked file; with {@code -Delspeth.docs.screenshots=true}
   * they refresh the documentation's {@code docs/images} instead.
   */
  static final Path IMAGES =
      Boolean.getBoolean("elspeth.docs.screenshots")
          ? CliHarness.REPO.resolve("docs/images")
          : CliHarness.REPO.resolve("pipelines/target/web-screenshots");

  final WebDriver driver;
  private final Path profile;

  BrowserSession() throws IOException {
    assertTrue(
        Files.isExecutable(CHROMIUM),
        "the browser tests need Chromium at "
            + CHROMIUM
            + ": apt-get install -y chromium chromium-driver");
    assertTrue(
        Files.isExecutable(CHROMEDRIVER),
        "the browser tests need chromedriver at "
            + CHROMEDRIVER
            + ": apt-get install -y chromium-driver");
    profile = Files.createTempDirectory("elspeth-chromium-");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1000",
        "--user-data-dir=" + profile);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .build();
    driver = new ChromeDriver(service, options);
  }

  /** A wait for what a page shows; generous, since the machine may be loaded. */
  WebDriverWait waiting() {
    return new WebDriverWait(driver, Duration.ofSeconds(60));
  }

  /** Saves the page as {@code <IMAGES>/<name>.png}. */
  void screenshot(String name) throws IOException {
    Files.createDirectories(IMAGES);
    Path shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(shot, IMAGES.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }

  @Override
  public void close() throws IOException {
    try {
      driver.quit();
    } finally {
      try (var files = Files.walk(profile)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
