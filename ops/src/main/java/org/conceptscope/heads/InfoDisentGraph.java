package org.conceptscope.heads;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.stream.IntStream;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.GraphNetwork;
import org.conceptscope.util.Progress;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The InfoDisent head as a TensorFlow graph on a frozen backbone's feature map [N, h, w, c]:
 * an orthogonal projection Q of every position's feature vector, per channel the strongest
 * positive evidence minus the strongest negative evidence (max ReLU(p) - max ReLU(-p) over
 * positions), and a non-negative linear classifier (squared weights). Names: features,
 * infodisent/q, infodisent/projected, infodisent/evidence, logits, probabilities.
 * <p>
 * Q is the exponential of one skew-symmetric matrix A = (W - W^T) / sqrt(c) (W: the variable
 * {@code skew}, c x c; {@link #skewScale} says why 1 / sqrt(c), a power of two near it), as the
 * InfoDisent paper trains its rotation through skew-symmetric matrices: orthogonal whatever the trained values, det Q = +1, and Q = I (the backbone's own channels) where training
 * starts, at W = 0. TensorFlow's graph has no gradient for a matrix exponential, inverse or solve
 * outside Python, so the exponential is built from matrix products: A is scaled by 2^-s so that its
 * Frobenius norm (an upper bound of its spectral norm) is at most {@value #SCALED_NORM}, a Taylor
 * polynomial of degree {@value #TAYLOR_DEGREE} gives exp(A / 2^s) (its remainder below float
 * precision there; the graph evaluates it with 5 products by Paterson and Stockmeyer's scheme in
 * powers of B^4, where Horner takes 11; {@link #projection} does the same in double), and s squarings
 * give exp(A); s is chosen in the graph from the norm of A
 * (without gradient), at most {@value #MAX_SQUARINGS}. The graph holds {@value #MAX_SQUARINGS} squarings, but
 * squaring j multiplies the first r_j rows of T by T, r_j = c where j < s and 0 past s (a slice
 * whose size the graph computes), so a squaring past s costs no product forward or backward: all
 * 14 were multiplied before, those past s by I. With both, a training step from Q = I takes about
 * 0.06 s of CPU at c = 512 and 0.32 s at c = 1024, where it took 0.15 s and 1.0 s. One
 * Newton-Schulz step, Q (3 I - Q^T Q) / 2, then removes the float rounding the squarings amplify
 * (to about 1e-6 from up to 1e-4 at c = 512). Memory is about {@value #Q_MATRICES} c x c matrices
 * and their gradients, O(c^2): the Householder product this replaces kept some 3 c^2 floats per
 * reflection for c reflections (12 c^3 bytes, 100 GB at c = 2048). {@link #projection} computes the
 * same Q in Java (double); the saved graph holds that Q (in float) as the variable {@code rotation},
 * so a saved head's runs do not compute it again.
 * <p>
 * det Q = +1 (SO(c), all of which the exponential reaches): flipping the sign of a single part is
 * not reachable, and it is not needed: evidence is odd in p (e(-p) = -e(p)), and under the softmax
 * a non-negative weight vector w_j. on -e_j gives the same class probabilities as (max w_j. -
 * w_j.) on +e_j plus a shift common to all classes, so every decision function of O(c) is one of
 * SO(c). What the sign changes is the reading: a part whose evidence is negative for class k shows
 * up as a part that speaks against the other classes (InfoDisentTest trains such a target).
 */
final class InfoDisentGraph extends GraphNetwork {

	/** Degree of the Taylor polynomial of exp(A / 2^s) (a multiple of 4: the graph evaluates it in powers of B^4). */
	static final int TAYLOR_DEGREE = 12;
	/** Largest Frobenius norm of A / 2^s (its spectral norm is at most this over sqrt 2). */
	static final double SCALED_NORM = 2;
	/** Most squarings: A's Frobenius norm up to 2 * 2^14 (entries of about 16 at c = 2048) keeps the Taylor step exact. */
	static final int MAX_SQUARINGS = 14;
	/** Name prefix of squaring j's product (rows r_j of T T: c where j < s, none past s), for tests. */
	static final String SQUARING = "infodisent_squaring_";
	/**
	 * The c x c float tensors the training graph computes for Q at the most squarings, 87 (InfoDisentQMatricesTest
	 * fetches every one): the skew part's 6 (its initial value, the variable, its read, the transpose, W - W^T, A);
	 * I, A * A for the norm and B; the Taylor step's B^2, B^3, B^4, B^4 / 12!, per power of B^4 the 7 of C_i
	 * (I / (4i)!, the 3 scaled powers and their 3 sums) and its sum with the rest, and the products by B^4 but
	 * the first; 3 per squaring (the top rows, their product, the concatenation; a squaring past s keeps 2, the
	 * rows passed on and the concatenation); the Newton-Schulz step's 5; and the identity {@code infodisent/q}.
	 */
	static final int Q_MATRICES = 6 + 3 + (4 + 8 * (TAYLOR_DEGREE / 4) + TAYLOR_DEGREE / 4 - 1) + 3 * MAX_SQUARINGS + 5 + 1;

	/** The graph to train: Q computed from the skew part at every step. */
	InfoDisentGraph(Graph g, int h, int w, int c, int classes, Map<String, FloatTensor> initial) {
		this(g, h, w, c, classes, initial, null);
	}

	/**
	 * With {@code rotation} given (Q as {@link #projection} computes it from the skew part), the graph
	 * to save: Q is held as the variable {@code rotation} instead of being computed again at every
	 * run (5 + s + 2 products of c x c matrices, at most 21 c^3 multiply-adds); the skew part is not needed once Q is known.
	 */
	InfoDisentGraph(Graph g, int h, int w, int c, int classes, Map<String, FloatTensor> initial, double[][] rotation) {
		Ops tf = Ops.create(g);
		input = tf.withName("features").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, h, w, c)));
		Ops scope = tf.withSubScope("infodisent");
		Operand<TFloat32> q;
		if (rotation == null) {
			Variable<TFloat32> skew = scope.withName("skew").variable(constant(tf, initial.get("skew")));
			variables.put("skew", skew);
			// read the ref-typed variable first: TensorFlow's C++ gradients crash the JVM on some ops fed a VariableV2 output
			Operand<TFloat32> raw = tf.identity(skew);
			Operand<TFloat32> a = tf.math.mul(tf.math.sub(raw, tf.linalg.transpose(raw, tf.constant(new int[] { 1, 0 }))),
				tf.constant((float) skewScale(c)));
			q = exponential(tf, a, c);
		} else {
			float[] values = new float[c * c];
			for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) values[i * c + j] = (float) rotation[i][j];
			Variable<TFloat32> fixed = scope.withName("rotation").variable(constant(tf, new FloatTensor(new long[] { c, c }, values)));
			variables.put("rotation", fixed);
			q = tf.identity(fixed);
		}
		Operand<TFloat32> flat = tf.reshape(input, tf.constant(new long[] { -1, c }));
		Operand<TFloat32> projected = scope.withName("projected").reshape(tf.linalg.matMul(flat, scope.withName("q").identity(q)),
			tf.constant(new long[] { -1, (long) h * w, c }));
		Operand<TFloat32> pos = tf.max(tf.nn.relu(projected), tf.constant(1));
		Operand<TFloat32> neg = tf.max(tf.nn.relu(tf.math.neg(projected)), tf.constant(1));
		Operand<TFloat32> evidence = scope.withName("evidence").math.sub(pos, neg);
		Variable<TFloat32> wRaw = scope.withName("classifier").variable(constant(tf, initial.get("classifier")));
		Variable<TFloat32> bias = scope.withName("bias").variable(constant(tf, initial.get("bias")));
		variables.put("classifier", wRaw);
		variables.put("bias", bias);
		Operand<TFloat32> wRead = tf.identity(wRaw);
		logits = tf.withName("logits").nn.biasAdd(tf.linalg.matMul(evidence, tf.math.mul(wRead, wRead)), bias);
		probabilities = tf.withName("probabilities").nn.softmax(logits);
	}

	/** exp(a) for a skew-symmetric c x c matrix, from products, sums and one Newton-Schulz step (see the class comment). */
	static Operand<TFloat32> exponential(Ops tf, Operand<TFloat32> a, int c) {
		Operand<TFloat32> eye = tf.constant(Shape.of(c, c), DataBuffers.of(eye(c)));
		// s = min(MAX_SQUARINGS, max(0, ceil(log2(|A|_F / SCALED_NORM)))): a choice, not a function to differentiate
		Operand<TFloat32> norm = tf.math.sqrt(tf.sum(tf.math.mul(a, a), tf.constant(new int[] { 0, 1 })));
		Operand<TFloat32> log2 = tf.math.div(tf.math.log(tf.math.maximum(tf.math.div(norm, tf.constant((float) SCALED_NORM)), tf.constant(1f))),
			tf.constant((float) Math.log(2)));
		Operand<TFloat32> s = tf.stopGradient(tf.math.minimum(tf.math.ceil(log2), tf.constant((float) MAX_SQUARINGS)));
		Operand<TFloat32> b = tf.math.mul(a, tf.stopGradient(tf.math.pow(tf.constant(2f), tf.math.neg(s))));
		// sum of B^k / k! for k <= 12 by Paterson-Stockmeyer (5 products; Horner took 11): with B^2, B^3, B^4 and
		// C_i = sum_{r < 4} B^r / (4i + r)!, T = C_0 + B^4 (C_1 + B^4 (C_2 + B^4 / 12!))
		Operand<TFloat32> b2 = tf.linalg.matMul(b, b), b3 = tf.linalg.matMul(b2, b), b4 = tf.linalg.matMul(b2, b2);
		java.util.List<Operand<TFloat32>> powers = java.util.List.of(eye, b, b2, b3);
		Operand<TFloat32> t = tf.math.mul(b4, tf.constant((float) (1 / factorial(TAYLOR_DEGREE))));
		for (int i = TAYLOR_DEGREE / 4 - 1; i >= 0; i--) {
			Operand<TFloat32> ci = tf.math.mul(eye, tf.constant((float) (1 / factorial(4 * i))));
			for (int r = 1; r < 4; r++) ci = tf.math.add(ci, tf.math.mul(powers.get(r), tf.constant((float) (1 / factorial(4 * i + r)))));
			t = tf.math.add(ci, i == TAYLOR_DEGREE / 4 - 1 ? t : tf.linalg.matMul(b4, t));
		}
		// squaring j happens where j < s: the rows [0, r_j) of T are replaced by those of T T, r_j = c where j < s and 0 past s,
		// so a squaring past s multiplies no rows (0 x c times c x c), forward and backward, and T passes unchanged
		Operand<TInt32> zero = tf.constant(0), width = tf.constant(c);
		for (int j = 0; j < MAX_SQUARINGS; j++) {
			Operand<TInt32> rows = tf.dtypes.cast(tf.math.mul(tf.math.minimum(tf.math.maximum(tf.math.sub(s, tf.constant((float) j)),
				tf.constant(0f)), tf.constant(1f)), tf.constant((float) c)), TInt32.class);
			Operand<TFloat32> top = tf.slice(t, tf.stack(java.util.List.of(zero, zero)), tf.stack(java.util.List.of(rows, width)));
			Operand<TFloat32> rest = tf.slice(t, tf.stack(java.util.List.of(rows, zero)), tf.stack(java.util.List.of(tf.math.sub(width, rows),
				width)));
			t = tf.concat(java.util.List.of(tf.withName(SQUARING + j).linalg.matMul(top, t), rest), tf.constant(0));
		}
		// one Newton-Schulz step towards the nearest orthogonal matrix: T (3 I - T^T T) / 2
		Operand<TFloat32> tt = tf.linalg.matMul(t, t, org.tensorflow.op.linalg.MatMul.transposeA(true));
		return tf.linalg.matMul(t, tf.math.mul(tf.math.sub(tf.math.mul(eye, tf.constant(3f)), tt), tf.constant(0.5f)));
	}

	/** k! in double (exact up to 18!). */
	static double factorial(int k) {
		double f = 1;
		for (int i = 2; i <= k; i++) f *= i;
		return f;
	}

	/**
	 * The factor 1 / sqrt(c) in A = (W - W^T) / sqrt(c). Adam moves every entry of W by about the
	 * learning rate a step whatever its gradient's size, so column j of W - W^T, which turns part j,
	 * moves by about 2 lr sqrt(c) (c entries of about 2 lr each): without the factor a part turned
	 * 0.64 radians a step at c = 1024 and the default lr 0.01, and on wide layers the parts drifted
	 * away from the channels that carry the classes within a few steps. With it, a part turns by about
	 * 2 lr a step whatever c (InfoDisentWideTest). The factor is the power of two nearest 1 / sqrt(c)
	 * (within a factor sqrt 2 of it), so that multiplying by it is exact in float and double and the
	 * graph's A is the one {@link #projection} computes. Heads are saved with Q itself, so this
	 * changes training, not saved heads.
	 */
	static double skewScale(int c) {
		return Math.scalb(1.0, -(int) Math.round(Math.log(Math.max(1, c)) / Math.log(2) / 2));
	}

	/** The number of squarings for a skew part of Frobenius norm {@code norm}, as the graph chooses it. */
	static int squarings(double norm) {
		double ratio = Math.max(norm / SCALED_NORM, 1);
		return (int) Math.min(MAX_SQUARINGS, Math.ceil(Math.log(ratio) / Math.log(2)));
	}

	/**
	 * The initial values: the skew part W = 0 (Q = I, the backbone's channels) and classifier weights
	 * drawn from {@code weights} (a stream of its own: the batches and the held-out split have theirs).
	 */
	static Map<String, FloatTensor> initialWeights(int c, int classes, SplittableRandom weights) {
		Map<String, FloatTensor> m = new LinkedHashMap<>();
		m.put("skew", FloatTensor.zeros(c, c));
		FloatTensor w = FloatTensor.zeros(c, classes);
		for (int i = 0; i < w.size(); i++) w.data()[i] = (float) (0.1 + 0.1 * weights.nextDouble());
		m.put("classifier", w);
		m.put("bias", FloatTensor.zeros(classes));
		return m;
	}

	/** Q in Java (double) from the skew part: the computation of the graph's {@link #exponential}. */
	static double[][] projection(Map<String, FloatTensor> weights, int c) {
		return projection(weights, c, Progress.NONE);
	}

	/**
	 * {@link #projection(Map, int)}, reporting per block of {@value #ROW_BLOCK} rows of each of its
	 * {@link #products} matrix products (at c = 2048 a product is some 8.6e9 multiply-adds; a block
	 * a few tenths of a second on one core); the values do not depend on {@code progress}.
	 *
	 * @throws CancellationException when {@code progress} asks to stop
	 */
	static double[][] projection(Map<String, FloatTensor> weights, int c, Progress progress) {
		float[] raw = weights.get("skew").data();
		double[][] a = new double[c][c];
		double norm2 = 0, scale = skewScale(c);
		for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) {
			a[i][j] = ((double) raw[i * c + j] - raw[j * c + i]) * scale;
			norm2 += a[i][j] * a[i][j];
		}
		int s = squarings(Math.sqrt(norm2));
		double scaled = Math.pow(2, -s);
		for (double[] row : a) for (int j = 0; j < c; j++) row[j] *= scaled; // A becomes B in its own buffer: no copy of A is kept
		return exponentialOfScaled(a, s, progress);
	}

	/** Rows of a product between two progress reports. */
	static final int ROW_BLOCK = 64;

	/**
	 * The c x c double matrices {@link #projection} holds at its peak: B, B^2, B^3 and B^4 while B^4 is
	 * multiplied out, each turned into a sum of the Taylor step in place; the last product by B^4, the
	 * squarings and the Newton-Schulz step hold 3 or 2. The code before 7 December 2026 held A, B, its
	 * three powers and two sums at once (7). Besides them: {@value #ROW_BLOCK} rows of c doubles, where
	 * a block's products are summed before they are written.
	 */
	static final int JAVA_MATRICES = 4;

	/** Heap bytes of {@link #projection} at c channels, at its peak ({@link #JAVA_MATRICES}). */
	static long javaBytes(int c) {
		return 8L * c * ((long) JAVA_MATRICES * c + ROW_BLOCK);
	}

	/**
	 * The number of c x c matrix products of {@link #exponential} with {@code s} squarings: the Taylor
	 * step's {@value #TAYLOR_DEGREE} / 4 + 2 (B^2, B^3, B^4 and one by B^4 per further power of B^4), the
	 * squarings and the Newton-Schulz step's two.
	 */
	static int products(int s) {
		return TAYLOR_DEGREE / 4 + 2 + s + 2;
	}

	/**
	 * exp(a) as the graph computes it, with {@code s} squarings: the Taylor polynomial by Paterson and
	 * Stockmeyer in powers of B^4, as the graph (5 products; Horner took 11, and gives the same Q to
	 * double rounding: InfoDisentJavaExponentialTest). {@code a} is left as it is.
	 */
	static double[][] exponential(double[][] a, int s) {
		return exponential(a, s, Progress.NONE);
	}

	/** {@link #exponential(double[][], int)}, reporting per block of rows; a cancel throws {@link CancellationException}. */
	static double[][] exponential(double[][] a, int s, Progress progress) {
		int c = a.length;
		double scale = Math.pow(2, -s);
		double[][] b = new double[c][c];
		for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) b[i][j] = a[i][j] * scale;
		return exponentialOfScaled(b, s, progress);
	}

	/**
	 * exp(B 2^s) from B = A / 2^s, which it overwrites (its buffer holds the result), in at most
	 * {@link #JAVA_MATRICES} c x c buffers: the same operations on the same values in the same order
	 * as the code before 7 December 2026, which allocated a new matrix per product and sum, so the
	 * same Q to the last bit (InfoDisentJavaHeapTest).
	 */
	private static double[][] exponentialOfScaled(double[][] b, int s, Progress progress) {
		int c = b.length;
		Products p = new Products(products(s), c, progress);
		// sum of B^k / k! for k <= 12, as the graph: with B^2, B^3, B^4 and C_i = sum_{r < 4} B^r / (4i + r)!,
		// T = C_0 + B^4 (C_1 + B^4 (C_2 + B^4 / 12!))
		double[][] b2 = p.multiply(b, b, false, new double[c][c], false), b3 = p.multiply(b2, b, false, new double[c][c], false);
		double[][] b4 = p.multiply(b2, b2, false, new double[c][c], false);
		int sums = TAYLOR_DEGREE / 4;
		double[][] f = new double[sums][4];
		for (int i = 0; i < sums; i++) for (int r = 0; r < 4; r++) f[i][r] = 1 / factorial(4 * i + r);
		// C_0, C_1, C_2 each in the buffer of one power of B, entry by entry: each entry of the three needs only the powers' entries there
		double[][][] cs = { b, b2, b3 };
		for (int r = 0; r < c; r++) for (int k = 0; k < c; k++) {
			double x1 = b[r][k], x2 = b2[r][k], x3 = b3[r][k];
			for (int i = 0; i < sums; i++) {
				double v = (r == k ? f[i][0] : 0);
				v += x1 * f[i][1];
				v += x2 * f[i][2];
				v += x3 * f[i][3];
				cs[i][r][k] = v;
			}
		}
		// the highest sum, C_2 + B^4 / 12!, needs no product; each lower one, C_i + B^4 T, is summed into C_i's buffer
		double[][] t = cs[sums - 1];
		double top = 1 / factorial(TAYLOR_DEGREE);
		for (int r = 0; r < c; r++) for (int k = 0; k < c; k++) t[r][k] = t[r][k] + b4[r][k] * top;
		for (int i = sums - 2; i >= 0; i--) t = p.multiply(b4, t, false, cs[i], true);
		cs = null;
		b2 = b3 = null; // garbage now: T, and B^4's buffer, which the squarings and Newton-Schulz use for their products
		double[][] spare = b4;
		for (int j = 0; j < s; j++) {
			double[][] squared = p.multiply(t, t, false, spare, false);
			spare = t;
			t = squared;
		}
		double[][] tt = p.multiply(t, t, true, spare, false);
		for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) tt[i][j] = ((i == j ? 3 : 0) - tt[i][j]) / 2;
		return p.multiply(t, tt, false, t, false); // row i of T (3 I - T^T T) / 2 needs row i of T only: written over it
	}

	/** The products of one exponential, counted for progress: total = products x blocks of rows. */
	private static final class Products {
		private final int count, blocks;
		private final Progress progress;
		/** A block's rows of a product, summed before they are written (into a factor's own rows, or added to a sum). */
		private final double[][] rows;
		private int product;

		Products(int count, int c, Progress progress) {
			this.count = count;
			this.blocks = Math.max(1, (c + ROW_BLOCK - 1) / ROW_BLOCK);
			this.progress = progress;
			this.rows = new double[Math.min(c, ROW_BLOCK)][c];
		}

		/**
		 * x y (x^T y with {@code transposeX}) into {@code out}, or added to it ({@code out + x y}) with {@code add},
		 * a block of rows at a time, the rows of a block in parallel. {@code out} may be x itself (not transposed):
		 * row i of x y needs row i of x only, and is written once it is summed; it is never y.
		 */
		double[][] multiply(double[][] x, double[][] y, boolean transposeX, double[][] out, boolean add) {
			int n = transposeX ? x[0].length : x.length, inner = y.length, m = y[0].length;
			long total = (long) count * blocks;
			for (int block = 0; block < blocks; block++) {
				long done = (long) product * blocks + block;
				if (!progress.report(done, total, "InfoDisent rotation Q: matrix product " + (product + 1) + " of " + count)) {
					throw new CancellationException("Cancelled while computing InfoDisent's rotation Q (matrix product " + (product + 1)
						+ " of " + count + ").");
				}
				int first = Math.min(n, block * ROW_BLOCK);
				IntStream.range(first, Math.min(n, (block + 1) * ROW_BLOCK)).parallel().forEach(i -> {
					double[] row = rows[i - first];
					Arrays.fill(row, 0);
					for (int k = 0; k < inner; k++) {
						double v = transposeX ? x[k][i] : x[i][k];
						if (v == 0) continue;
						double[] yk = y[k];
						for (int j = 0; j < m; j++) row[j] += v * yk[j];
					}
					double[] o = out[i];
					if (add) for (int j = 0; j < m; j++) o[j] = o[j] + row[j];
					else System.arraycopy(row, 0, o, 0, m);
				});
			}
			product++;
			if (product == count) progress.report(total, total, "InfoDisent rotation Q: " + count + " matrix products done"); // done: nothing left to cancel
			return out;
		}
	}

	private static float[] eye(int c) {
		float[] e = new float[c * c];
		for (int i = 0; i < c; i++) e[i * c + i] = 1;
		return e;
	}

	static Operand<TFloat32> constant(Ops tf, FloatTensor t) {
		if (t == null) throw new IllegalArgumentException("Missing initial value.");
		return tf.constant(Shape.of(t.shape()), DataBuffers.of(Arrays.copyOf(t.data(), t.size())));
	}




}
