# The two commands a new user types: `make demo` and `make test`.
# Both set up what they need: Debian packages (when root), a venv, the package.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEBIAN_PACKAGES := mosquitto mosquitto-clients g++ chromium influxdb victoria-metrics tesseract-ocr ssocr openssl fonts-dseg

.PHONY: demo test lint system-packages install clean firmware-test

demo: install
	$(BIN)/meterhub demo

test: install firmware-test
	$(BIN)/ruff check services tests
	$(BIN)/pytest -q

# The firmware's portable core, built and unit-tested on this machine with g++; and every
# role's Arduino glue compiled against an Arduino emulation (EpoxyDuino and ESP32 stubs).
firmware-test: system-packages
	$(MAKE) -C firmware/esp32_mqtt -j2 host-test
	$(MAKE) -C firmware/esp32_mqtt -j2 glue-build

lint: install
	$(BIN)/ruff check services tests

system-packages:
	@./scripts/ensure-system-packages $(DEBIAN_PACKAGES)

install: system-packages $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
