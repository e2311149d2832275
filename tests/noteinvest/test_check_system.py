"""bin/check-system: `make run` and `make test` install the Debian packages they miss, when
this user may, or name the one command to run. apt-get and sudo here are fakes on the PATH
that write down how they were called; what is "missing" and who we are is patched in."""

import importlib.machinery
import importlib.util
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bin" / "check-system"

FAKE_APT_GET = """#!/bin/sh
echo "apt-get $* DEBIAN_FRONTEND=$DEBIAN_FRONTEND" >> "{log}"
if [ "$1" = install ]; then
  [ -n "{fail}" ] && exit {fail}
  : > "{installed}"
fi
exit 0
"""
# Passwordless sudo: answers `sudo -n true`, passes VAR=value on, runs the rest.
FAKE_SUDO = """#!/bin/sh
echo "sudo $*" >> "{log}"
[ "$1" = -n ] && shift
[ "$1" = true ] && exit 0
while case "$1" in *=*) true;; *) false;; esac; do export "$1"; shift; done
exec "$@"
"""


def load_script():
    loader = importlib.machinery.SourceFileLoader("check_system", str(SCRIPT))
    spec = importlib.util.spec_from_loader("check_system", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def write_script(path, text):
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


class Machine:
    """A fake Debian machine: apt-get (and sudo) in a folder that is the whole PATH."""

    def __init__(self, tmp_path, monkeypatch, *, missing, root, sudo=False, apt=True, fail=""):
        self.bin = tmp_path / "fakebin"
        self.bin.mkdir()
        self.log = tmp_path / "calls.log"
        self.installed = tmp_path / "installed"
        fill = {"log": self.log, "installed": self.installed, "fail": fail}
        if apt:
            write_script(self.bin / "apt-get", FAKE_APT_GET.format(**fill))
        if sudo:
            write_script(self.bin / "sudo", FAKE_SUDO.format(**fill))
        monkeypatch.setenv("PATH", str(self.bin))
        monkeypatch.delenv("NOTEINVEST_NO_APT", raising=False)
        monkeypatch.delenv("CHROMIUM_PATH", raising=False)
        self.module = load_script()
        # Packages are missing until the fake apt-get "installs" them.
        monkeypatch.setattr(
            self.module,
            "missing_packages",
            lambda *, browser, environ: [] if self.installed.exists() else list(missing),
        )
        monkeypatch.setattr(self.module, "is_root", lambda: root)

    def calls(self):
        return self.log.read_text().splitlines() if self.log.exists() else []

    def run(self, capsys, *argv):
        code = self.module.main(list(argv), os.environ)
        out, err = capsys.readouterr()
        return code, out, err


MISSING = ["libharfbuzz-subset0", "chromium"]


def test_nothing_missing_prints_nothing_and_runs_no_apt(tmp_path, monkeypatch, capsys):
    machine = Machine(tmp_path, monkeypatch, missing=[], root=True)
    assert machine.run(capsys, "--browser") == (0, "", "")
    assert machine.calls() == []


@pytest.mark.parametrize("argv", [[], ["--browser"]])
def test_nothing_missing_on_this_machine_prints_nothing(argv):
    # The real probes; NOTEINVEST_NO_APT so that a machine lacking a package is told, never changed.
    env = {**os.environ, "NOTEINVEST_NO_APT": "1"}
    env.pop("CHROMIUM_PATH", None)
    result = subprocess.run([sys.executable, str(SCRIPT), *argv], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_root_installs_exactly_the_missing_packages(tmp_path, monkeypatch, capsys):
    machine = Machine(tmp_path, monkeypatch, missing=MISSING, root=True)
    code, out, err = machine.run(capsys, "--browser")
    assert (code, err) == (0, "")
    assert out == "installing: libharfbuzz-subset0 chromium\n"
    assert machine.calls() == [
        "apt-get update -qq DEBIAN_FRONTEND=noninteractive",
        "apt-get install -y -qq libharfbuzz-subset0 chromium DEBIAN_FRONTEND=noninteractive",
    ]


def test_passwordless_sudo_installs_through_sudo(tmp_path, monkeypatch, capsys):
    machine = Machine(tmp_path, monkeypatch, missing=["libharfbuzz-subset0"], root=False, sudo=True)
    code, out, err = machine.run(capsys)
    assert (code, out, err) == (0, "installing: libharfbuzz-subset0\n", "")
    assert machine.calls() == [
        "sudo -n true",
        "sudo -n DEBIAN_FRONTEND=noninteractive apt-get update -qq",
        "apt-get update -qq DEBIAN_FRONTEND=noninteractive",
        "sudo -n DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libharfbuzz-subset0",
        "apt-get install -y -qq libharfbuzz-subset0 DEBIAN_FRONTEND=noninteractive",
    ]


def test_without_privilege_one_line_names_the_command(tmp_path, monkeypatch, capsys):
    machine = Machine(tmp_path, monkeypatch, missing=MISSING, root=False)  # no sudo at all
    code, out, err = machine.run(capsys, "--browser")
    assert (code, out) == (1, "")
    assert err == (
        "error: missing Debian packages; run: sudo apt-get install libharfbuzz-subset0 chromium\n"
    )
    assert machine.calls() == []


def test_sudo_that_wants_a_password_is_not_asked(tmp_path, monkeypatch, capsys):
    machine = Machine(tmp_path, monkeypatch, missing=MISSING, root=False)
    write_script(machine.bin / "sudo", f'#!/bin/sh\necho "sudo $*" >> "{machine.log}"\nexit 1\n')
    code, out, err = machine.run(capsys, "--browser")
    assert (code, out) == (1, "")
    assert len(err.splitlines()) == 1
    assert "run: sudo apt-get install libharfbuzz-subset0 chromium" in err
    assert machine.calls() == ["sudo -n true"]


@pytest.mark.parametrize("root", [True, False])
def test_opting_out_names_the_command_and_installs_nothing(tmp_path, monkeypatch, capsys, root):
    machine = Machine(tmp_path, monkeypatch, missing=MISSING, root=root, sudo=True)
    monkeypatch.setenv("NOTEINVEST_NO_APT", "1")
    code, out, err = machine.run(capsys, "--browser")
    assert (code, out) == (1, "")
    command = ("" if root else "sudo ") + "apt-get install libharfbuzz-subset0 chromium"
    assert err == f"error: missing Debian packages (NOTEINVEST_NO_APT is set); run: {command}\n"
    assert all(not call.startswith("apt-get") for call in machine.calls())


def test_no_apt_0_does_not_opt_out(tmp_path, monkeypatch, capsys):
    machine = Machine(tmp_path, monkeypatch, missing=["chromium"], root=True)
    monkeypatch.setenv("NOTEINVEST_NO_APT", "0")
    assert machine.run(capsys, "--browser")[0] == 0
    assert len(machine.calls()) == 2


def test_a_failed_install_says_so_and_names_the_command(tmp_path, monkeypatch, capsys):
    machine = Machine(tmp_path, monkeypatch, missing=MISSING, root=True, fail="100")
    code, out, err = machine.run(capsys, "--browser")
    assert (code, out) == (1, "installing: libharfbuzz-subset0 chromium\n")
    assert err == (
        "error: apt-get install failed (exit 100); "
        "run: apt-get install libharfbuzz-subset0 chromium\n"
    )


def test_still_missing_after_the_install_fails(tmp_path, monkeypatch, capsys):
    machine = Machine(tmp_path, monkeypatch, missing=MISSING, root=True)
    monkeypatch.setattr(machine.module, "missing_packages", lambda **kw: ["chromium"])
    code, _, err = machine.run(capsys, "--browser")
    assert code == 1
    assert err == "error: still missing after apt-get install: chromium\n"


def test_without_apt_get_the_packages_are_named(tmp_path, monkeypatch, capsys):
    machine = Machine(tmp_path, monkeypatch, missing=["libpango-1.0-0"], root=True, apt=False)
    code, out, err = machine.run(capsys)
    assert (code, out) == (1, "")
    assert err == (
        "error: missing Debian packages (apt-get install libpango-1.0-0) "
        "or your system's equivalent\n"
    )


def test_can_sudo_asks_sudo_without_a_password(tmp_path, monkeypatch):
    module = load_script()
    monkeypatch.setenv("PATH", str(tmp_path))
    assert module.can_sudo() is False  # no sudo on the PATH
    write_script(tmp_path / "sudo", '#!/bin/sh\n[ "$*" = "-n true" ]\n')
    assert module.can_sudo() is True
    write_script(tmp_path / "sudo", "#!/bin/sh\nexit 1\n")
    assert module.can_sudo() is False


def test_missing_packages_names_the_package_of_each_missing_library(monkeypatch, tmp_path):
    module = load_script()
    absent = set()
    monkeypatch.setattr(module, "library_loads", lambda name: name not in absent)
    monkeypatch.setattr(module, "DEFAULT_CHROMIUM", str(tmp_path / "no-chromium"))
    env = {}
    assert module.missing_packages(browser=False, environ=env) == []
    absent.add("libharfbuzz-subset.so.0")
    assert module.missing_packages(browser=False, environ=env) == ["libharfbuzz-subset0"]
    # make test also needs Chromium; make run does not.
    assert module.missing_packages(browser=True, environ=env) == ["libharfbuzz-subset0", "chromium"]
    absent.update(module.LIBRARIES)  # nothing loads: each package once, in a stable order
    assert module.missing_packages(browser=False, environ=env) == [
        "libpango-1.0-0",
        "libpangoft2-1.0-0",
        "libharfbuzz-subset0",
    ]


def test_chromium_path_is_used_instead_of_the_package(monkeypatch, tmp_path):
    module = load_script()
    monkeypatch.setattr(module, "library_loads", lambda name: True)
    monkeypatch.setattr(module, "DEFAULT_CHROMIUM", str(tmp_path / "no-chromium"))
    chromium = tmp_path / "my-chromium"
    write_script(chromium, "#!/bin/sh\n")
    env = {"CHROMIUM_PATH": str(chromium)}
    assert module.missing_packages(browser=True, environ=env) == []
    assert module.other_problems(browser=True, environ=env) == []
    env = {"CHROMIUM_PATH": str(tmp_path / "nowhere")}
    assert module.missing_packages(browser=True, environ=env) == []
    [problem] = module.other_problems(browser=True, environ=env)
    assert "is not an executable file" in problem


def test_make_run_checks_the_pdf_libraries_and_make_test_also_chromium():
    def planned(target):
        result = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True,
                                text=True, timeout=60)  # fmt: skip
        assert result.returncode == 0, result.stderr
        return [line for line in result.stdout.splitlines() if "bin/check-system" in line]

    [run_check] = planned("run")
    assert run_check.endswith("bin/check-system")
    [test_check] = planned("test")
    assert test_check.endswith("bin/check-system --browser")


def test_make_run_listens_where_host_and_port_say():
    unset = {key: value for key, value in os.environ.items() if key not in ("HOST", "PORT")}

    def serve_line(*args, **env):
        result = subprocess.run(["make", "-n", "run", *args], cwd=ROOT, capture_output=True,
                                text=True, timeout=60, env={**unset, **env})  # fmt: skip
        return next(line for line in result.stdout.splitlines() if "bin/serve" in line)

    assert serve_line().endswith("bin/serve 127.0.0.1 8000")
    assert serve_line(HOST="0.0.0.0", PORT="8124").endswith("bin/serve 0.0.0.0 8124")
    assert serve_line("PORT=8123").endswith("bin/serve 127.0.0.1 8123")
