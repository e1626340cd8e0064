# The two commands of the README, plus the pieces they are made of.
.PHONY: run test setup build release format bench clean

JOBS ?= $(shell nproc)

run: release
	./build/release/mcpxx-demo --host 127.0.0.1 --port 8080

test:
	scripts/test

setup:
	scripts/setup

build:
	scripts/setup
	cmake --preset dev
	cmake --build build/dev -j $(JOBS)

release:
	scripts/setup
	cmake --preset release
	cmake --build build/release -j $(JOBS) --target mcpxx-demo mcpxx-conformance

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

bench: release
	bench/run

clean:
	rm -rf build
