# WeightBridge: the two commands of the README are `make verify` and `make test`.
.PHONY: verify test build bench fixtures format clean fuzz docs

verify:            ## set up, build, and check the seed models reproduce their reported accuracies
	bash scripts/verify.sh

test:              ## set up (apt packages, Python venv) and run every test in release mode
	bash scripts/test.sh

build:             ## the release binary, Swift runtime linked in (starts in 25 ms instead of 42; Docs/architecture.md)
	swift build -c release --static-swift-stdlib

bench:             ## side-by-side timings against NumPy/Keras; writes Docs/benchmarks.md
	bash scripts/bench.sh

fixtures:          ## regenerate every committed fixture with the pinned Python libraries
	bash scripts/setup.sh --python
	for s in Fixtures/generate/*.py; do KERAS_BACKEND=jax $${WEIGHTBRIDGE_VENV:-$$HOME/.cache/weightbridge/venv}/bin/python $$s; done

docs:              ## DocC: the WeightBridge catalog (articles) and the reference of the modules it re-exports; warnings fail
	swift package --disable-sandbox generate-documentation --warnings-as-errors \
	    --target WeightBridge --target NumPyFormat --target ModelSpec --target NeuralNet --target Bridge

format:
	swift format --in-place --recursive Sources Tests

clean:
	rm -rf .build

fuzz:              ## libFuzzer on the .npy/.npz readers (default 60 s per harness)
	bash scripts/fuzz.sh
