package org.conceptscope.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.conceptscope.tensor.FloatTensor;

/**
 * A small convolutional classifier, enough for test models, k-fold retraining (MeGe) and heads:
 * blocks of [3x3 (or k x k) convolution + bias + ReLU, optional 2x2 average pool], then either
 * global average pooling or flattening, then one dense layer to the logits.
 * <p>
 * Graph names are stable, so users and tests can pick layers by name: {@code input},
 * {@code conv1/relu}, {@code conv1/pool}, ..., {@code features}, {@code logits},
 * {@code probabilities}.
 */
public record CnnArchitecture(int height, int width, int channels, int[] filters, int kernel, boolean pool, Head head,
	int numClasses) {

	/** How the last feature map becomes a vector. */
	public enum Head {
		/** Mean over positions: translation invariant. */
		GLOBAL_AVERAGE,
		/** Every position keeps its own weights: lets a model tie evidence to a place. */
		FLATTEN
	}

	public CnnArchitecture {
		filters = filters.clone();
		if (height < 1 || width < 1 || channels < 1 || numClasses < 2 || kernel < 1 || kernel % 2 == 0) {
			throw new IllegalArgumentException("Invalid architecture: needs positive sizes, an odd kernel and at least 2 classes.");
		}
		if (filters.length == 0) throw new IllegalArgumentException("A CNN needs at least one convolution block.");
		int h = height, w = width;
		for (int i = 0; i < filters.length; i++) {
			if (pool) {
				h /= 2;
				w /= 2;
			}
		}
		if (h < 1 || w < 1) throw new IllegalArgumentException("Too many pooling blocks for a " + height + "x" + width + " input.");
	}

	@Override
	public int[] filters() {
		return filters.clone();
	}

	/** Height and width of the last feature map. */
	public int[] featureSize() {
		int h = height, w = width;
		for (int i = 0; i < filters.length; i++) {
			if (pool) {
				h /= 2;
				w /= 2;
			}
		}
		return new int[] { h, w };
	}

	/** Length of the vector that enters the dense layer. */
	public int featureLength() {
		int last = filters[filters.length - 1];
		if (head == Head.GLOBAL_AVERAGE) return last;
		int[] s = featureSize();
		return s[0] * s[1] * last;
	}

	/** Parameter names and shapes, in creation order. */
	public List<Parameter> parameters() {
		List<Parameter> ps = Parameter.convBlocks(channels, kernel, filters);
		ps.add(new Parameter("dense/kernel", new long[] { featureLength(), numClasses }, featureLength()));
		ps.add(new Parameter("dense/bias", new long[] { numClasses }, 0));
		return ps;
	}

	/**
	 * One line that says what the network is, as model cards and conceptscope.json metadata
	 * record it: "input 32x32x3; 3 conv block(s) [16, 32, 32] (kernel 3, ReLU, 2x2 average
	 * pool); global average pooling; dense to 3 logits". {@link #parse} reads it back.
	 */
	public String describe() {
		return String.format(Locale.ROOT, "input %dx%dx%d; %d conv block(s) %s (kernel %d, ReLU%s); %s; dense to %d logits", height,
			width, channels, filters.length, Arrays.toString(filters), kernel, pool ? ", 2x2 average pool" : "",
			head == Head.GLOBAL_AVERAGE ? "global average pooling" : "flatten", numClasses);
	}

	private static final Pattern FILTERS = Pattern.compile("conv(?:\\s+block\\(s\\))?\\s*\\[?\\s*(\\d+(?:\\s*,\\s*\\d+)*)");
	private static final Pattern KERNEL = Pattern.compile("kernel\\s*(\\d+)");
	private static final Pattern POOL = Pattern.compile("\\bpool\\b");
	private static final Pattern INPUT = Pattern.compile("input\\s*(\\d+)\\s*x\\s*(\\d+)\\s*x\\s*(\\d+)");
	private static final Pattern LOGITS = Pattern.compile("dense to\\s*(\\d+)\\s*logits");

	/** The short form users write: {@value}. */
	public static final String EXAMPLE = "conv 16,32,32; kernel 3; pool; global average";

	/**
	 * Reads {@link #describe()}'s line, or the short form {@value #EXAMPLE} (convolution filters
	 * per block; kernel size, default 3; "pool" for 2x2 average pooling after each block; head
	 * "global average" or "flatten"), for an input and class count given separately. An input
	 * size or class count in the text must agree with them.
	 *
	 * @throws IllegalArgumentException with what is missing or does not agree
	 */
	public static CnnArchitecture parse(String text, int height, int width, int channels, int numClasses) {
		String t = text == null ? "" : text.toLowerCase(Locale.ROOT).trim();
		Matcher f = FILTERS.matcher(t);
		if (!f.find()) {
			throw new IllegalArgumentException("The architecture '" + text + "' names no convolution filters: write it like '" + EXAMPLE
				+ "' (or copy the architecture line of a ConceptScope model card).");
		}
		int[] filters = Arrays.stream(f.group(1).split(",")).mapToInt(v -> Integer.parseInt(v.trim())).toArray();
		Matcher k = KERNEL.matcher(t);
		int kernel = k.find() ? Integer.parseInt(k.group(1)) : 3;
		boolean pool = POOL.matcher(t).find() && !t.contains("no pool");
		Head head;
		if (t.contains("flatten")) head = Head.FLATTEN;
		else if (t.contains("global average")) head = Head.GLOBAL_AVERAGE;
		else throw new IllegalArgumentException("The architecture '" + text + "' has no head: end it with 'global average' or 'flatten'.");
		Matcher in = INPUT.matcher(t);
		if (in.find() && (Integer.parseInt(in.group(1)) != height || Integer.parseInt(in.group(2)) != width
			|| Integer.parseInt(in.group(3)) != channels)) {
			throw new IllegalArgumentException("The architecture '" + text + "' is for " + in.group(1) + "x" + in.group(2) + "x" + in.group(3)
				+ " inputs, not " + height + "x" + width + "x" + channels + ".");
		}
		Matcher out = LOGITS.matcher(t);
		if (out.find() && Integer.parseInt(out.group(1)) != numClasses) {
			throw new IllegalArgumentException("The architecture '" + text + "' has " + out.group(1) + " classes, not " + numClasses + ".");
		}
		return new CnnArchitecture(height, width, channels, filters, kernel, pool, head, numClasses);
	}

	/** A trainable tensor; fanIn > 0 means He-initialised weights, 0 means zeros. */
	public record Parameter(String name, long[] shape, int fanIn) {

		/** The kernels and biases of blocks "conv1", "conv2", ... of square convolutions, in creation order. */
		static List<Parameter> convBlocks(int channels, int kernel, int[] filters) {
			List<Parameter> ps = new ArrayList<>();
			int in = channels;
			for (int i = 0; i < filters.length; i++) {
				String block = "conv" + (i + 1);
				ps.add(new Parameter(block + "/kernel", new long[] { kernel, kernel, in, filters[i] }, kernel * kernel * in));
				ps.add(new Parameter(block + "/bias", new long[] { filters[i] }, 0));
				in = filters[i];
			}
			return ps;
		}

		/** He-normal initial weights from a seed (biases zero), in the parameters' order. */
		static Map<String, FloatTensor> heNormal(List<Parameter> parameters, long seed) {
			Random rnd = new Random(seed);
			Map<String, FloatTensor> w = new LinkedHashMap<>();
			for (Parameter p : parameters) {
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
	}
}
