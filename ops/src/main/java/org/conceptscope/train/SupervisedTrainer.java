package org.conceptscope.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.function.Function;
import java.util.function.Supplier;

import org.conceptscope.model.TensorFlowEngine;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Fits any {@link TrainableGraph} to labelled inputs with softmax cross-entropy and Adam (the
 * ApplyAdam op on graph gradients), on the TensorFlow runtime from Java. A random stream fixes the
 * batch order: {@link #trainInEpochs} takes seeded shuffled passes over the inputs (an epoch sees
 * every input once), {@link #train} draws each batch's inputs with replacement. The graph builder
 * fixes the initial values. Optionally records one variable every {@code trackEvery} steps and after
 * the last (e.g. concept embeddings, to show convergence).
 */
public final class SupervisedTrainer {

	/** Trained values of every variable, and the snapshots of the tracked one: initial, every trackEvery steps, and final. */
	public record Trained(Map<String, FloatTensor> weights, List<FloatTensor> snapshots) {}

	private SupervisedTrainer() {}

	/** Refuses training images that are not [N, height, width, channels]. */
	static void checkImages(FloatTensor images, int height, int width, int channels) {
		long[] s = images.shape();
		if (s.length != 4 || s[1] != height || s[2] != width || s[3] != channels) {
			throw new IllegalArgumentException("Training images " + images + " do not fit the architecture input " + height + "x" + width
				+ "x" + channels + ".");
		}
	}

	/** Fraction of predictions equal to their label (NaN for none). */
	static double agreement(int[] predicted, int[] labels) {
		int ok = 0;
		for (int i = 0; i < labels.length; i++) if (predicted[i] == labels[i]) ok++;
		return labels.length == 0 ? Double.NaN : ok / (double) labels.length;
	}

	public static Trained train(Function<Graph, TrainableGraph> build, FloatTensor inputs, int[] labels, int numClasses,
		TrainingOptions opt, Progress progress, String tracked, int trackEvery) {
		return train(build, inputs, labels, numClasses, opt, progress, tracked, trackEvery, new Random(opt.seed()));
	}

	/** As above, drawing batches from {@code batchOrder} (callers that also seed initial weights from it). */
	public static Trained train(Function<Graph, TrainableGraph> build, FloatTensor inputs, int[] labels, int numClasses,
		TrainingOptions opt, Progress progress, String tracked, int trackEvery, Random batchOrder) {
		if (labels.length != inputs.dim(0)) throw new IllegalArgumentException(labels.length + " labels for " + inputs.dim(0) + " inputs.");
		return fit(build, inputs, labels, 1, numClasses, opt, progress, tracked, trackEvery, withReplacement((int) inputs.dim(0),
			opt.batchSize(), batchOrder), null);
	}

	/**
	 * As {@link #train}, in epochs: each epoch is a pass over the inputs in an order shuffled from
	 * {@code batchOrder}, cut into {@link Epochs#steps} batches of nearly equal sizes, at most
	 * {@code opt.batchSize()} ({@link Epochs}).
	 */
	public static Trained trainInEpochs(Function<Graph, TrainableGraph> build, FloatTensor inputs, int[] labels, int numClasses,
		TrainingOptions opt, Progress progress, String tracked, int trackEvery, SplittableRandom batchOrder) {
		return trainInEpochs(build, inputs, labels, numClasses, opt, progress, tracked, trackEvery, batchOrder, null);
	}

	/**
	 * As above, handing each snapshot of the tracked variable to {@code snapshots} as it is taken instead of
	 * keeping them ({@link Trained#snapshots} is then empty): a record of many steps of a large variable
	 * would otherwise fill Java's heap (16 MB a snapshot at 1024 x 4096 floats).
	 */
	public static Trained trainInEpochs(Function<Graph, TrainableGraph> build, FloatTensor inputs, int[] labels, int numClasses,
		TrainingOptions opt, Progress progress, String tracked, int trackEvery, SplittableRandom batchOrder,
		java.util.function.Consumer<FloatTensor> snapshots) {
		if (labels.length != inputs.dim(0)) throw new IllegalArgumentException(labels.length + " labels for " + inputs.dim(0) + " inputs.");
		return fit(build, inputs, labels, 1, numClasses, opt, progress, tracked, trackEvery, new Epochs((int) inputs.dim(0), opt.batchSize(),
			batchOrder), snapshots);
	}

	/** Batches of min(batch, n) inputs drawn with replacement, each draw from {@code r}. */
	static Supplier<int[]> withReplacement(int n, int batch, Random r) {
		int b = Math.min(batch, n);
		return () -> {
			int[] out = new int[b];
			for (int j = 0; j < b; j++) out[j] = r.nextInt(n);
			return out;
		};
	}

	/**
	 * The batches of successive epochs over n inputs: each epoch a permutation of 0..n-1 (Fisher-Yates
	 * from the random stream), cut in order into ceil(n / batch) batches of nearly equal sizes (n / steps,
	 * the first n mod steps of them one more), none larger than {@code batch}: 72 inputs in batches of
	 * at most 32 are 3 batches of 24 rather than 32, 32 and 8, whose small last step moved the
	 * weights as far as a full one on a quarter of the evidence. Batches never span two epochs.
	 */
	public static final class Epochs implements Supplier<int[]> {

		private final int n, steps;
		private final SplittableRandom random;
		private int[] order;
		private int next, step;

		public Epochs(int n, int batch, SplittableRandom random) {
			if (n < 1 || batch < 1) throw new IllegalArgumentException("Epochs need at least one input and a batch size of at least 1.");
			this.n = n;
			this.steps = steps(n, batch);
			this.random = random;
		}

		/** Steps per epoch: n / batch rounded up. */
		public static int steps(int n, int batch) {
			return Math.max(1, (n + batch - 1) / batch);
		}

		/** The largest batch of an epoch over n inputs (n / steps rounded up): what a step's memory is sized at. */
		public static int largestStep(int n, int batch) {
			int steps = steps(n, batch);
			return Math.max(1, (n + steps - 1) / steps);
		}

		@Override
		public int[] get() {
			if (order == null || next == n) {
				step = 0;
				order = new int[n];
				for (int i = 0; i < n; i++) order[i] = i;
				for (int i = n - 1; i > 0; i--) {
					int k = random.nextInt(i + 1), t = order[i];
					order[i] = order[k];
					order[k] = t;
				}
				next = 0;
			}
			int size = n / steps + (step < n % steps ? 1 : 0);
			int[] out = java.util.Arrays.copyOfRange(order, next, next + size);
			next += size;
			step++;
			return out;
		}
	}

	/**
	 * Fits a graph whose logits are maps [N, H, W, K] (a segmentation network) to one label per
	 * output position: {@code labels} holds N x H x W labels, image by image, row by row; the loss
	 * is the softmax cross-entropy averaged over every position.
	 */
	public static Trained trainDense(Function<Graph, TrainableGraph> build, FloatTensor inputs, int[] labels, int numClasses,
		TrainingOptions opt, Progress progress, Random batchOrder) {
		long n = inputs.dim(0);
		if (n < 1 || labels.length % n != 0) {
			throw new IllegalArgumentException(labels.length + " labels for " + n + " inputs; give one label per output position of each input.");
		}
		return fit(build, inputs, labels, (int) (labels.length / n), numClasses, opt, progress, null, 0, withReplacement((int) n,
			opt.batchSize(), batchOrder), null);
	}

	private static Trained fit(Function<Graph, TrainableGraph> build, FloatTensor inputs, int[] labels, int perInput, int numClasses,
		TrainingOptions opt, Progress progress, String tracked, int trackEvery, Supplier<int[]> batches,
		java.util.function.Consumer<FloatTensor> sink) {
		for (int l : labels) {
			if (l < 0 || l >= numClasses) throw new IllegalArgumentException("Label " + l + " outside 0.." + (numClasses - 1) + ".");
		}
		TensorFlowEngine.start();
		try (Graph g = new Graph()) {
			TrainableGraph net = build.apply(g);
			Ops tf = Ops.create(g);
			OpNames names = new OpNames(tf);
			Placeholder<TFloat32> onehot = names.op("train/labels").placeholder(TFloat32.class);
			// maps [N, H, W, K] are scored position by position: [N * H * W, K] rows (a no-op for [N, K] logits)
			Operand<TFloat32> rows = perInput == 1 ? net.logits() : tf.reshape(net.logits(), tf.constant(new long[] { -1, numClasses }));
			Operand<TFloat32> crossEntropy = tf.math.mean(tf.nn.softmaxCrossEntropyWithLogits(rows, onehot).loss(), tf.constant(0));
			Operand<TFloat32> loss = net.penalty() == null ? names.op("train/loss").identity(crossEntropy)
				: names.op("train/loss").math.add(crossEntropy, net.penalty());
			List<Variable<TFloat32>> vars = new ArrayList<>(net.variables().values());
			Gradients grads = tf.gradients(loss, vars);
			Placeholder<TFloat32> beta1Power = names.op("train/beta1_power").placeholder(TFloat32.class);
			Placeholder<TFloat32> beta2Power = names.op("train/beta2_power").placeholder(TFloat32.class);
			Operand<TFloat32> lr = tf.constant((float) opt.learningRate());
			Operand<TFloat32> b1 = tf.constant(0.9f), b2 = tf.constant(0.999f), eps = tf.constant(1e-7f);
			List<Op> updates = new ArrayList<>();
			// Every update waits for every gradient: variables are read by reference, so an update that ran
			// while another layer's gradient still read that variable would change the result from run to run.
			List<org.tensorflow.op.core.Identity<TFloat32>> gradient = new ArrayList<>();
			for (int i = 0; i < vars.size(); i++) gradient.add(tf.identity(grads.<TFloat32>dy(i)));
			Ops afterGradients = tf.withControlDependencies(new ArrayList<Op>(gradient));
			for (int i = 0; i < vars.size(); i++) {
				Variable<TFloat32> v = vars.get(i);
				Variable<TFloat32> m = tf.variable(tf.zerosLike(v));
				Variable<TFloat32> v2 = tf.variable(tf.zerosLike(v));
				updates.add(afterGradients.train.applyAdam(v, m, v2, beta1Power, beta2Power, lr, b1, b2, eps, gradient.get(i)));
			}
			Op step = tf.withControlDependencies(updates).noOp();
			long[] s = inputs.shape();
			int per = inputs.stride0(), k = numClasses;
			List<FloatTensor> snapshots = new ArrayList<>();
			java.util.function.Consumer<FloatTensor> keep = sink == null ? snapshots::add : sink;
			try (Session session = new Session(g)) {
				session.initialize();
				if (tracked != null) keep.accept(read(session, net.variables().get(tracked)));
				for (int t = 1; t <= opt.steps(); t++) {
					int[] batch = batches.get();
					int b = batch.length;
					float[] x = new float[b * per], y = new float[b * perInput * k];
					for (int j = 0; j < b; j++) {
						int idx = batch[j];
						System.arraycopy(inputs.data(), idx * per, x, j * per, per);
						for (int q = 0; q < perInput; q++) y[(j * perInput + q) * k + labels[idx * perInput + q]] = 1f;
					}
					long[] bs = s.clone();
					bs[0] = b;
					try (TFloat32 xt = CnnGraph.tensor(new FloatTensor(bs, x));
						TFloat32 yt = CnnGraph.tensor(new FloatTensor(new long[] { (long) b * perInput, k }, y));
						TFloat32 p1 = TFloat32.scalarOf((float) Math.pow(0.9, t));
						TFloat32 p2 = TFloat32.scalarOf((float) Math.pow(0.999, t))) {
						session.runner().feed(net.input(), xt).feed(onehot, yt).feed(beta1Power, p1).feed(beta2Power, p2)
							.addTarget(step).run();
					}
					// and after the last step, so a run shorter than trackEvery, or ending within one, keeps its record
					if (tracked != null && (t % trackEvery == 0 || t == opt.steps())) keep.accept(read(session, net.variables().get(tracked)));
					if ((t % 50 == 0 || t == opt.steps()) && !progress.report(t, opt.steps(), "training step " + t)) {
						throw new CancellationException("Training cancelled at step " + t + ".");
					}
				}
				Map<String, FloatTensor> out = new LinkedHashMap<>();
				Session.Runner r = session.runner();
				List<String> varNames = new ArrayList<>(net.variables().keySet());
				for (String name : varNames) r.fetch(net.variables().get(name));
				try (Result res = r.run()) {
					for (int i = 0; i < varNames.size(); i++) out.put(varNames.get(i), CnnGraph.read((TFloat32) res.get(i)));
				}
				return new Trained(out, snapshots);
			}
		}
	}

	private static FloatTensor read(Session s, Variable<TFloat32> v) {
		try (Result r = s.runner().fetch(v).run()) {
			return CnnGraph.read((TFloat32) r.get(0));
		}
	}
}
