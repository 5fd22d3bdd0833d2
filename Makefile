# Shortcuts; the scripts are the source of truth (they work without make).
.PHONY: run test deps bench
run:
	bash scripts/run.sh
test:
	bash scripts/test.sh
deps:
	bash scripts/deps.sh
bench:
	cargo run --release --locked --bin beatbook -- bench store-write --n 2000 --dir target
