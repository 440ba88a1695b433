package org.conceptscope.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CancellationException;

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
 * Trains a {@link CnnArchitecture} in Java on the TensorFlow runtime: graph gradients and the
 * ApplyAdam op, no Python. Deterministic given the seed (He initialisation and batch order come
 * from {@link Random}; TensorFlow's CPU kernels may still round differently across machines).
 */
public final class CnnTrainer {

	private CnnTrainer() {}

	/** He-normal initial weights from a seed. */
	public static Map<String, FloatTensor> initialWeights(CnnArchitecture arch, long seed) {
		Random rnd = new Random(seed);
		Map<String, FloatTensor> w = new LinkedHashMap<>();
		for (CnnArchitecture.Parameter p : arch.parameters()) {
			FloatTensor t = FloatTensor.zeros(p.shape());
			if (p.fanIn() > 0) {
				double std = Math.sqrt(2.0 / p.fanIn());
				float[] d = t.data();
				for (int i = 0; i < d.length; i++) d[i] = (float) (rnd.nextGaussian() * std);
			}
			w.put(p.name(), t);
		}
		return w;
	}

	/**
	 * Trains on images [N, H, W, C] with labels 0..K-1 and returns the trained weights.
	 *
	 * @throws CancellationException when progress asks to stop
	 */
	public static Map<String, FloatTensor> train(CnnArchitecture arch, FloatTensor images, int[] labels, TrainingOptions opt,
		Progress progress) {
		long[] s = images.shape();
		if (s.length != 4 || s[1] != arch.height() || s[2] != arch.width() || s[3] != arch.channels()) {
			throw new IllegalArgumentException("Training images " + images + " do not fit the architecture input "
				+ arch.height() + "x" + arch.width() + "x" + arch.channels() + ".");
		}
		if (labels.length != s[0]) throw new IllegalArgumentException(labels.length + " labels for " + s[0] + " images.");
		for (int l : labels) {
			if (l < 0 || l >= arch.numClasses()) throw new IllegalArgumentException("Label " + l + " outside 0.." + (arch.numClasses() - 1) + ".");
		}
		TensorFlowEngine.start();
		Random rnd = new Random(opt.seed());
		Map<String, FloatTensor> init = initialWeights(arch, rnd.nextLong());
		try (Graph g = new Graph()) {
			CnnGraph net = new CnnGraph(g, arch, init);
			Ops tf = Ops.create(g);
			OpNames names = new OpNames(tf);
			Placeholder<TFloat32> onehot = names.op("train/labels").placeholder(TFloat32.class);
			Operand<TFloat32> loss = names.op("train/loss").math.mean(
				tf.nn.softmaxCrossEntropyWithLogits(net.logits, onehot).loss(), tf.constant(0));
			List<Variable<TFloat32>> vars = new ArrayList<>(net.variables.values());
			Gradients grads = tf.gradients(loss, vars);
			Placeholder<TFloat32> beta1Power = names.op("train/beta1_power").placeholder(TFloat32.class);
			Placeholder<TFloat32> beta2Power = names.op("train/beta2_power").placeholder(TFloat32.class);
			Operand<TFloat32> lr = tf.constant((float) opt.learningRate());
			Operand<TFloat32> b1 = tf.constant(0.9f), b2 = tf.constant(0.999f), eps = tf.constant(1e-7f);
			List<Op> updates = new ArrayList<>();
			for (int i = 0; i < vars.size(); i++) {
				Variable<TFloat32> v = vars.get(i);
				Variable<TFloat32> m = tf.variable(tf.zerosLike(v));
				Variable<TFloat32> v2 = tf.variable(tf.zerosLike(v));
				Operand<TFloat32> gi = grads.<TFloat32>dy(i);
				updates.add(tf.train.applyAdam(v, m, v2, beta1Power, beta2Power, lr, b1, b2, eps, gi));
			}
			Op step = tf.withControlDependencies(updates).noOp();
			int n = (int) s[0], per = images.stride0(), k = arch.numClasses();
			int b = Math.min(opt.batchSize(), n);
			try (Session session = new Session(g)) {
				session.initialize();
				for (int t = 1; t <= opt.steps(); t++) {
					float[] x = new float[b * per], y = new float[b * k];
					for (int j = 0; j < b; j++) {
						int idx = rnd.nextInt(n);
						System.arraycopy(images.data(), idx * per, x, j * per, per);
						y[j * k + labels[idx]] = 1f;
					}
					try (TFloat32 xt = CnnGraph.tensor(new FloatTensor(new long[] { b, s[1], s[2], s[3] }, x));
						TFloat32 yt = CnnGraph.tensor(new FloatTensor(new long[] { b, k }, y));
						TFloat32 p1 = TFloat32.scalarOf((float) Math.pow(0.9, t));
						TFloat32 p2 = TFloat32.scalarOf((float) Math.pow(0.999, t))) {
						session.runner().feed(net.input, xt).feed(onehot, yt).feed(beta1Power, p1).feed(beta2Power, p2)
							.addTarget(step).run();
					}
					if ((t % 50 == 0 || t == opt.steps()) && !progress.report(t, opt.steps(), "training step " + t)) {
						throw new CancellationException("Training cancelled at step " + t + ".");
					}
				}
				Map<String, FloatTensor> out = new LinkedHashMap<>();
				Session.Runner r = session.runner();
				List<String> varNames = new ArrayList<>(net.variables.keySet());
				for (String name : varNames) r.fetch(net.variables.get(name));
				try (Result res = r.run()) {
					for (int i = 0; i < varNames.size(); i++) out.put(varNames.get(i), CnnGraph.read((TFloat32) res.get(i)));
				}
				return out;
			}
		}
	}

	/** Fraction of images whose arg-max logit equals the label, from a [N, K] logits tensor. */
	public static double accuracy(FloatTensor logits, int[] labels) {
		int[] pred = logits.argmaxRows();
		int ok = 0;
		for (int i = 0; i < labels.length; i++) if (pred[i] == labels[i]) ok++;
		return labels.length == 0 ? Double.NaN : ok / (double) labels.length;
	}

	/** Class counts, for model cards. */
	public static Map<Integer, Integer> classCounts(int[] labels) {
		Map<Integer, Integer> counts = new HashMap<>();
		for (int l : labels) counts.merge(l, 1, Integer::sum);
		return counts;
	}
}
