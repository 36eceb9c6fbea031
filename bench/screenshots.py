"""Screenshots of the main pages, for people to look at (docs/screenshots/, git-ignored).

Builds a throw-away SQLite database with the reference catalog and the demo data (plus a
second plan and a finished sweep), starts `manage.py runserver` on it, logs in as the demo
owner in Debian's headless Chromium and saves full-page PNGs (the landing page first, as a
visitor sees it; phone-sized shots at 390x844).

    .venv/bin/python bench/screenshots.py [--out docs/screenshots] [--port 8765] [--width 1280]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CHROMIUM = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

SETUP = r"""
from decimal import Decimal
from planner.demo import seed_demo
from accounts.models import Organization, User
from planner import services, sweep_services
from planner.models import Plan, Workload
from pricing.models import ApiOffer, GpuOffer
from pricing.services import load_reference_catalog

version, _ = load_reference_catalog()
seed_demo()
org = Organization.objects.get(slug="demo-co")
owner = User.objects.get(email="demo@breakeven.local")
if not Plan.objects.filter(organization=org, name="Nightly batch: cheap APIs vs an H100").exists():
    workload = Workload.objects.get(organization=org, name="Nightly document batch")
    apis = list(ApiOffer.objects.filter(version=version).order_by("output_per_mtok")[:2])
    gpu = GpuOffer.objects.filter(version=version, sku__icontains="H100", gpu_count=1).first()
    options = [{"kind": "api", "api_offer": o} for o in apis]
    if gpu is not None:
        options.append({"kind": "selfhost", "model_name": "Llama 3.3 70B", "gpu_offer": gpu,
                        "precision": "int4", "labor_hours_per_month": Decimal(20)})
    plan = services.plan_create(organization=org, actor=owner,
        name="Nightly batch: cheap APIs vs an H100", workload=workload,
        catalog_version=version, options=options)
    services.plan_compute(plan=plan, actor=owner)
ISSUE_PLAN = "50M tokens/day at 70% input: APIs vs H100 fleets"
if not Plan.objects.filter(organization=org, name=ISSUE_PLAN).exists():
    from pricing.models import OwnedHardware
    from pricing.selectors import overlay_for
    from pricing.services import overlay_api_price_set, price_overlay_create

    def offer(model, key):
        return ApiOffer.objects.get(version=version, model_name=model, source__key=key)

    claude = offer("Claude Sonnet 4.5", "feb-2026")
    if overlay_for(version=version, organization=org) is None:
        overlay = price_overlay_create(organization=org, base_version=version, name="Negotiated", actor=None)
        overlay_api_price_set(overlay=overlay, actor=None, replaces=claude,
                              input_per_mtok=Decimal("2.40"), output_per_mtok=Decimal("12.00"))
    workload = Workload.objects.create(organization=org, name="Support assistant, 50M/day",
        tokens_per_day=50_000_000, input_share=Decimal("0.7"), availability_target=Decimal("0.999"),
        downtime_cost_per_hour=Decimal(2000), peak_to_average=Decimal(2))
    llama = {"model_name": "Llama 3.3 70B", "params_b": Decimal(70), "precision": "fp8", "gpu_count": 2,
             "hidden_multiplier": Decimal("1.3"), "labor_hours_per_month": Decimal(10),
             "utilization": Decimal("0.8"), "tokens_per_second": Decimal(1728)}
    options = [
        {"kind": "api", "api_offer": offer("GPT-5", "feb-2026")},
        {"kind": "api", "api_offer": claude},
        {"kind": "api", "api_offer": offer("DeepSeek V3.2", "feb-2026")},
        {"kind": "api", "api_offer": offer("Qwen3-32B", "global-2026")},
        {"kind": "selfhost", "name": "Llama on rented H100",
         "gpu_offer": GpuOffer.objects.get(version=version, sku="NVIDIA H100 80GB", gpu_count=1, source__key="feb-2026"),
         "gpus_per_instance": 2, **llama},
        {"kind": "selfhost", "name": "Llama on an owned H100 node", "rent_mode": "owned",
         "owned_hardware": OwnedHardware.objects.get(version=version, name="8x H100 HGX node"),
         "gpus_per_server": 8, **llama},
    ]
    plan = services.plan_create(organization=org, actor=owner, name=ISSUE_PLAN, workload=workload,
        catalog_version=version, options=options)
    services.plan_compute(plan=plan, actor=owner)
from planner.models import Sweep
if not Sweep.objects.filter(organization=org).exists():
    api_ids = list(ApiOffer.objects.filter(version=version).order_by("-output_per_mtok").values_list("pk", flat=True)[:3])
    gpu = GpuOffer.objects.filter(version=version, sku="NVIDIA A100 80GB", gpu_count=1).first()
    sweep_services.sweep_start(organization=org, actor=owner, name="Where does self-hosting win?",
        catalog_version=version, spec={
            "volumes": {"min": 1_000_000, "max": 10_000_000_000, "num": 16, "scale": "log"},
            "input_shares": [0.5, 0.8],
            "utilizations": {"min": 0.1, "max": 1.0, "num": 10},
            "api_offer_ids": api_ids,
            "selfhost": [{"gpu_offer_id": gpu.pk, "tokens_per_second": 1500, "name": "Llama 70B on A100"}],
        })
print("setup done")
"""


def free_port(preferred: int) -> int:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 30.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 (our own loopback server)
            return
        except Exception:
            time.sleep(0.3)
    raise SystemExit(f"server at {url} did not start")


def shoot(base: str, out: Path, width: int) -> list[Path]:
    from playwright.sync_api import sync_playwright

    saved: list[Path] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(base_url=base, viewport={"width": width, "height": 900})
        page = context.new_page()
        page.set_default_timeout(20_000)

        def save(name: str) -> None:
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(500)  # chart animations
            path = out / f"{name}.png"
            page.screenshot(path=str(path), full_page=True)
            saved.append(path)

        def view(name: str) -> None:
            """What the visitor sees first: the viewport only."""
            path = out / f"{name}.png"
            page.screenshot(path=str(path))
            saved.append(path)

        # The landing page, as a visitor sees it, on a desktop and on a phone.
        page.goto("/")
        save("00-landing")
        page.set_viewport_size(PHONE)
        save("00b-landing-mobile")
        view("00c-landing-mobile-top")
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/accounts/login/")
        page.fill("input[name=username]", "demo@breakeven.local")
        page.fill("input[name=password]", "breakeven-demo")
        page.click("button[type=submit]")
        page.wait_for_load_state()

        page.goto("/")
        save("01-dashboard")
        page.goto("/workloads/")
        save("02-workloads")
        page.goto("/workloads/new/")
        page.fill("input[name=name]", "Chat assistant")
        page.fill("input[name=volume]", "40000000")
        page.wait_for_selector("#workload-preview[data-state=ok]")
        save("03-workload-form-preview")
        page.fill("input[name=input_share]", "200")
        page.wait_for_selector("#workload-preview[data-state=invalid]")
        save("04-workload-form-invalid")
        page.goto("/plans/")
        save("05-plans")
        plan_links = page.locator("table a[href^='/plans/']")
        hrefs = [plan_links.nth(i).get_attribute("href") for i in range(plan_links.count())]
        plan_ids = [h.strip("/").split("/")[1] for h in hrefs if h and h.strip("/").count("/") == 1]
        page.goto(f"/plans/{plan_ids[-1]}/")
        page.wait_for_selector("canvas[data-chart-ready]")
        save("06-plan")
        charts = out / "06b-plan-charts.png"
        page.locator("section.charts").screenshot(path=str(charts))
        saved.append(charts)
        top = out / "06a-plan-top.png"
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(top))
        saved.append(top)
        if len(plan_ids) > 1:
            page.goto(f"/plans/compare/?a={plan_ids[0]}&b={plan_ids[1]}")
            save("07-compare")
        page.goto(f"/plans/{plan_ids[-1]}/report/")
        page.wait_for_selector("canvas[data-chart-ready]")
        save("08-report")
        page.emulate_media(media="print")
        save("08b-report-print")
        page.emulate_media(media="screen")
        page.goto("/sweeps/")
        save("09-sweeps")
        sweep = page.locator("table a[href^='/sweeps/']").first
        if sweep.count():
            sweep.click()
            page.wait_for_load_state()
            save("10-sweep")
        page.goto("/catalogs/")
        save("11-catalogs")
        first = page.locator("table a[href^='/catalogs/']").first
        href = first.get_attribute("href")
        page.goto(href)
        save("12-catalog-detail")
        version = href.strip("/").split("/")[-1]
        page.goto(f"/catalogs/diff/?old={version}&new={version}")
        save("13-catalog-diff")
        page.goto("/accounts/members/")
        save("14-members")
        page.goto("/accounts/tokens/")
        save("15-tokens")
        page.goto("/plans/")
        page.get_by_role("link", name="50M tokens/day at 70% input: APIs vs H100 fleets").click()
        page.wait_for_selector("canvas[data-chart-ready]")
        issue_plan = page.url
        save("17-issue-plan")
        page.set_viewport_size(PHONE)
        page.goto(f"/plans/{plan_ids[-1]}/")
        page.wait_for_selector("canvas[data-chart-ready]")
        save("16-plan-mobile")
        page.goto(issue_plan)
        page.wait_for_selector("canvas[data-chart-ready]")
        save("18-issue-plan-mobile")
        page.evaluate("window.scrollTo(0, 0)")
        view("18a-issue-plan-mobile-top")
        page.get_by_role("button", name="Menu").click()
        view("18b-issue-plan-mobile-menu")
        page.get_by_role("button", name="Menu").click()
        # The cost table scrolled sideways to its last column: the option names stay put.
        table = page.locator("tr.option-total").first.locator("xpath=ancestor::table[1]")
        table.scroll_into_view_if_needed()
        table.evaluate(
            "t => { const box = t.closest('.table-scroll'); box.scrollLeft = box.scrollWidth; }"
        )
        view("18c-issue-plan-mobile-cost-table")
        browser.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="breakeven-shots-") as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
            "DEBUG": "1",
            "HTTPS": "0",
            "SECRET_KEY": "screenshots-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz",
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "CELERY_BROKER_URL": "",
            "CONN_MAX_AGE": "0",
        }
        manage = [PYTHON, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
        subprocess.run([*manage, "shell", "-c", SETUP], env=env, check=True, cwd=ROOT)
        port = free_port(args.port)
        server = subprocess.Popen(
            [*manage, "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(base + "/accounts/login/")
            for path in shoot(base, out, args.width):
                print(path)
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
