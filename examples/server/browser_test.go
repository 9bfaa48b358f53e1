package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/httpsem/httpsem/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chromiumPath finds the distribution's Chromium (.ci/run installs it).
func chromiumPath() string {
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// artifactDir is where screenshots go: $HTTPSEM_ARTIFACTS (kept by CI) or a
// temporary directory.
func artifactDir(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("HTTPSEM_ARTIFACTS"); dir != "" {
		require.NoError(t, os.MkdirAll(dir, 0o755))
		return dir
	}
	return t.TempDir()
}

// TestBrowser_ReportFlow drives headless Chromium through the page: click
// "Start report", watch the progress bar fed by SSE reach 100, follow the
// result link, and save a screenshot.
func TestBrowser_ReportFlow(t *testing.T) {
	t.Parallel()
	exe := chromiumPath()
	if exe == "" {
		testenv.Missing(t, "Chromium not found (/usr/bin/chromium); install the distribution's chromium package")
	}
	ts := startServer(t, config{ReportDuration: 2 * time.Second})

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1000, 700),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	defer cancelBrowser()

	// Record every value the percentage shows, to see progress arrive in
	// steps rather than jump to the end.
	const observe = `window.__seen = [];
new MutationObserver(() => window.__seen.push(document.getElementById("percent").textContent))
  .observe(document.getElementById("percent"), {childList: true, characterData: true, subtree: true});`
	evaluate := func(js string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[any](js)(ctx, tg)
			return err
		})
	}
	require.NoError(t, chromedp.Do(bctx,
		chromedp.Navigate(ts.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("start")),
		evaluate(observe),
		chromedp.Click(chromedp.ID("start")),
		chromedp.WaitVisible(chromedp.ID("result")),
	))
	percent, err := chromedp.Run(bctx, chromedp.Text(chromedp.ID("percent")))
	require.NoError(t, err)
	seen, err := chromedp.Run(bctx, chromedp.Evaluate[[]string]("window.__seen"))
	require.NoError(t, err)
	href, err := chromedp.Run(bctx, chromedp.AttributeValue(chromedp.ID("result"), "href"))
	require.NoError(t, err)
	shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100)) // quality 100 is PNG, lower is JPEG
	require.NoError(t, err)

	assert.Equal(t, "100", percent)
	require.NotEmpty(t, seen)
	assert.Equal(t, "100", seen[len(seen)-1])
	var between bool
	for _, v := range seen {
		between = between || (v != "0" && v != "100")
	}
	assert.True(t, between, "progress arrived in steps: %v", seen)
	assert.Regexp(t, `^/reports/[A-Za-z0-9_-]+$`, href.Value)

	dir := artifactDir(t)
	path := filepath.Join(dir, "browser-report-flow.png")
	require.NoError(t, os.WriteFile(path, shot, 0o644))
	t.Logf("screenshot: %s", path)

	require.NoError(t, chromedp.Do(bctx,
		chromedp.Click(chromedp.ID("result")),
		chromedp.WaitReady(chromedp.CSS("body")),
	))
	location, err := chromedp.Run(bctx, chromedp.Location())
	require.NoError(t, err)
	body, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("body")))
	require.NoError(t, err)
	assert.Equal(t, ts.URL+href.Value, location)
	assert.True(t, strings.Contains(body, `"type":"sales_summary"`), "report page: %.200s", body)
}
