#!/usr/bin/env python3
"""PyTorch baseline for IlgpuVae: the paper's MNIST VAE trained in PyTorch eager mode on one GPU.

The setup is the engine's default (`ilgpuvae train`): 784-500-20 with tanh hidden layers, a Gaussian
encoder (mu and log sigma^2 heads), a Bernoulli decoder on grey levels b/255 (no binarization), one
latent sample per datapoint, the analytic KL (estimator B), minibatch 100, Adagrad with lr 0.01 and
eps 1e-8 from a zero accumulator, and every weight and bias drawn from N(0, 0.01^2). The whole
training set is uploaded to the GPU once; each epoch is shuffled there, and the ELBO is read back once
per epoch, so the timing holds the training steps and nothing else. FP32 matrix products run in full
FP32 (TF32 off) unless --tf32 on, so the comparison with the engine's exact FP32 kernels is like for like.

Each epoch is timed between two torch.cuda.synchronize() calls. The first epoch also pays for cuBLAS
initialisation and the caching allocator's first allocations, so the figure reported is the median
of epochs 2..N (epoch 1 alone when --epochs 1).

Needs Python 3 and PyTorch only; reads the MNIST IDX files (raw or .gz) from --data, by default the
engine's MNIST cache: $ILGPUVAE_DATA_DIR/mnist, else $XDG_CACHE_HOME/ilgpuvae/data/mnist, else
~/.cache/ilgpuvae/data/mnist. Exit codes: 0 success, 2 bad input or missing data, 4 no PyTorch or no CUDA device.
"""

import argparse
import gzip
import json
import os
import statistics
import struct
import sys
import tempfile
import time

PIXELS = 784
HIDDEN = 500
LATENT = 20
INIT_SCALE = 0.01
ADAGRAD_EPS = 1e-8  # the engine's TrainingConfig.Epsilon (PyTorch's own default is 1e-10)
TRAIN_IMAGES = "train-images-idx3-ubyte"
TEST_IMAGES = "t10k-images-idx3-ubyte"
IDX_IMAGES_MAGIC = 0x00000803  # unsigned bytes, rank 3

PROG = "vae_epoch.py"


def fail(message, code=2):
    """One line on stderr and an exit code, as the engine's command line does."""
    print(f"{PROG}: {message}", file=sys.stderr)
    sys.exit(code)


class OneLineParser(argparse.ArgumentParser):
    def error(self, message):
        fail(f"{message} (see {PROG} --help)")


def default_data_dir():
    """The engine's MNIST cache folder (DataSources.DefaultDataDirectory + /mnist)."""
    explicit = os.environ.get("ILGPUVAE_DATA_DIR", "")
    if explicit.strip():
        return os.path.join(explicit, "mnist")
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if xdg.strip() and os.path.isabs(xdg):
        return os.path.join(xdg, "ilgpuvae", "data", "mnist")
    home = os.path.expanduser("~")
    if not home or home == "~":
        home = tempfile.gettempdir()
    return os.path.join(home, ".cache", "ilgpuvae", "data", "mnist")


def find_idx(directory, name):
    """The raw file, else its .gz, else None (the engine prefers raw too)."""
    for candidate in (name, name + ".gz"):
        path = os.path.join(directory, candidate)
        if os.path.isfile(path):
            return path
    return None


def read_images(path):
    """An IDX3 file of unsigned bytes: (image count, the pixel bytes), the header checked before use."""
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except OSError as e:
        fail(f"{path}: cannot read: {e}")
    if len(data) < 16:
        fail(f"{path}: too short for an IDX header")
    magic, count, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != IDX_IMAGES_MAGIC:
        fail(f"{path}: not an IDX file of byte images (magic 0x{magic:08x}, expected 0x{IDX_IMAGES_MAGIC:08x})")
    if rows * cols != PIXELS:
        fail(f"{path}: images of {rows}x{cols} pixels, the model needs {PIXELS}")
    if len(data) != 16 + count * rows * cols:
        fail(f"{path}: {len(data) - 16} bytes of pixels for {count} images of {rows}x{cols}")
    return count, data[16:]


def parse_args(argv):
    p = OneLineParser(prog=PROG, description="Train the paper's MNIST VAE in PyTorch eager on one GPU and time each epoch.")
    p.add_argument("--data", default=None, help="folder with train-images-idx3-ubyte[.gz] (and t10k-images-idx3-ubyte[.gz] for a test ELBO) [the engine's MNIST cache]")
    p.add_argument("--epochs", type=int, default=3, help="epochs to train [3]; the median of epochs 2..N is reported")
    p.add_argument("--batch-size", type=int, default=100, help="minibatch size M [100]")
    p.add_argument("--lr", type=float, default=0.01, help="Adagrad learning rate [0.01]")
    p.add_argument("--seed", type=int, default=1, help="seed of the initialisation, the shuffles and the noise [1]")
    p.add_argument("--tf32", choices=["off", "on"], default="off", help="TF32 tensor cores for FP32 matrix products [off: full FP32, as the engine computes]")
    p.add_argument("--device", default="cuda", help="PyTorch device [cuda]")
    p.add_argument("--json", action="store_true", help="print the result as one JSON document on stdout")
    args = p.parse_args(argv)
    if args.epochs < 1:
        fail(f"--epochs must be positive, got {args.epochs}")
    if args.batch_size < 1:
        fail(f"--batch-size must be positive, got {args.batch_size}")
    if not args.lr > 0:
        fail(f"--lr must be a positive number, got {args.lr}")
    return args


def main(argv):
    args = parse_args(argv)
    data_dir = args.data if args.data is not None else default_data_dir()
    train_path = find_idx(data_dir, TRAIN_IMAGES)
    if train_path is None:
        fail(f"{data_dir}: no {TRAIN_IMAGES} (raw or .gz); pass --data DIR (`ilgpuvae data` fetches MNIST into the engine's cache)")
    train_images = read_images(train_path)
    test_path = find_idx(data_dir, TEST_IMAGES)
    test_images = read_images(test_path) if test_path is not None else None
    if train_images[0] < args.batch_size:
        fail(f"{train_path}: {train_images[0]} images, fewer than one minibatch of {args.batch_size}")

    if args.tf32 == "off":
        # Read by cuBLAS when it initialises: no TF32 tensor-core math for FP32 products, whatever the
        # framework's own flags say. Set before torch is imported so that it is in place in time.
        os.environ["NVIDIA_TF32_OVERRIDE"] = "0"
    try:
        import torch  # imported here: --help and input errors work without PyTorch
    except ImportError as e:
        fail(f"PyTorch is not installed here ({e})", code=4)

    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        fail("PyTorch sees no CUDA device (torch.cuda.is_available() is False)", code=4)
    set_tf32(torch, args.tf32 == "on")

    torch.manual_seed(args.seed)
    generator = torch.Generator(device=device)
    generator.manual_seed(args.seed)

    model = Vae(torch).to(device)
    optimizer = torch.optim.Adagrad(model.parameters(), lr=args.lr, eps=ADAGRAD_EPS, initial_accumulator_value=0.0)

    def to_device(images):
        # FP32 grey levels b/255 in [0, 1], the Bernoulli targets, resident on the device.
        count, pixels = images
        return torch.frombuffer(bytearray(pixels), dtype=torch.uint8).reshape(count, PIXELS).to(device).float().div_(255.0)

    x_train = to_device(train_images)
    x_test = to_device(test_images) if test_images is not None else None
    count = x_train.shape[0]
    m = args.batch_size
    steps = count // m  # the last partial minibatch is dropped, as the engine does

    def synchronize():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    seconds, train_elbo, test_elbo = [], [], []
    for epoch in range(1, args.epochs + 1):
        synchronize()
        start = time.perf_counter()
        order = torch.randperm(count, device=device, generator=generator)
        elbo_sum = torch.zeros((), device=device)
        for s in range(steps):
            x = x_train.index_select(0, order[s * m:(s + 1) * m])
            epsilon = torch.randn(m, LATENT, device=device, generator=generator)
            elbo = model(x, epsilon)
            loss = -elbo.mean()  # the gradient of the negative ELBO averaged over the batch, as the engine's
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            elbo_sum += elbo.detach().sum()
        synchronize()
        seconds.append(time.perf_counter() - start)
        train_elbo.append(elbo_sum.item() / (steps * m))  # the one read-back of the epoch, after the timing
        if x_test is not None:
            with torch.no_grad():
                noise = torch.randn(x_test.shape[0], LATENT, device=device, generator=generator)
                test_elbo.append(model(x_test, noise).mean().item())
        if not args.json:
            test = f", test ELBO {test_elbo[-1]:.2f}" if test_elbo else ""
            print(f"epoch {epoch}: {seconds[-1]:.3f} s, train ELBO {train_elbo[-1]:.2f}{test}", flush=True)

    timed = seconds[1:] if len(seconds) > 1 else seconds
    median = statistics.median(timed)
    device_name = torch.cuda.get_device_name(device) if device.type == "cuda" else str(device)
    result = {
        "torch_version": torch.__version__,
        "cuda_version": torch.version.cuda,
        "device": device_name,
        "tf32": args.tf32,
        "data": os.path.abspath(train_path),
        "model": f"{PIXELS}-{HIDDEN}-{LATENT} bernoulli",
        "batch_size": m,
        "steps_per_epoch": steps,
        "optimizer": f"adagrad lr {args.lr} eps {ADAGRAD_EPS}",
        "epochs": args.epochs,
        "epoch_seconds": seconds,
        "median_epoch_seconds": median,
        "median_over_epochs": f"2..{args.epochs}" if args.epochs > 1 else "1",
        "samples_per_second": steps * m / median,
        "ms_per_step": 1000.0 * median / steps,
        "train_elbo": train_elbo,
        "test_elbo": test_elbo if test_elbo else None,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"PyTorch {torch.__version__} (CUDA {torch.version.cuda}) on {device_name}, TF32 {args.tf32}"
              f"{' (FP32 products in full FP32)' if args.tf32 == 'off' else ''}")
        print(f"median epoch (epochs {result['median_over_epochs']}): {median:.3f} s, "
              f"{result['ms_per_step']:.3f} ms/step, {result['samples_per_second']:.0f} samples/s")
    return 0


def set_tf32(torch, allow):
    """Switches TF32 for FP32 matrix products with one API only: PyTorch 2.9 and later refuse to read
    the TF32 state once the new and the legacy flags have both been set."""
    matmul = torch.backends.cuda.matmul
    if hasattr(matmul, "fp32_precision"):
        matmul.fp32_precision = "tf32" if allow else "ieee"
    else:
        matmul.allow_tf32 = allow


def Vae(torch):
    """The model as a torch.nn.Module (built here so that torch is imported only once arguments are checked)."""
    nn = torch.nn
    functional = torch.nn.functional

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder_hidden = nn.Linear(PIXELS, HIDDEN)
            self.encoder_head = nn.Linear(HIDDEN, 2 * LATENT)  # mu in columns [0, 20), log sigma^2 in [20, 40)
            self.decoder_hidden = nn.Linear(LATENT, HIDDEN)
            self.decoder_output = nn.Linear(HIDDEN, PIXELS)  # Bernoulli logits
            with torch.no_grad():
                for parameter in self.parameters():
                    parameter.normal_(0.0, INIT_SCALE)  # the paper's N(0, 0.01^2), biases included

        def forward(self, x, epsilon):
            """Per-datapoint ELBO with one sample: log p(x|z) - KL(q(z|x) || N(0, I))."""
            h = torch.tanh(self.encoder_hidden(x))
            mu, log_var = self.encoder_head(h).chunk(2, dim=1)
            z = mu + torch.exp(0.5 * log_var) * epsilon
            logits = self.decoder_output(torch.tanh(self.decoder_hidden(z)))
            log_likelihood = (x * logits - functional.softplus(logits)).sum(dim=1)  # stable Bernoulli form
            kl = -0.5 * (1.0 + log_var - mu * mu - torch.exp(log_var)).sum(dim=1)
            return log_likelihood - kl

    return Model()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
