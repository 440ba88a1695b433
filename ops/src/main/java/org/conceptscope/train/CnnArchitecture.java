package org.conceptscope.train;

import java.util.ArrayList;
import java.util.List;

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
		List<Parameter> ps = new ArrayList<>();
		int in = channels;
		for (int i = 0; i < filters.length; i++) {
			String block = "conv" + (i + 1);
			ps.add(new Parameter(block + "/kernel", new long[] { kernel, kernel, in, filters[i] }, kernel * kernel * in));
			ps.add(new Parameter(block + "/bias", new long[] { filters[i] }, 0));
			in = filters[i];
		}
		ps.add(new Parameter("dense/kernel", new long[] { featureLength(), numClasses }, featureLength()));
		ps.add(new Parameter("dense/bias", new long[] { numClasses }, 0));
		return ps;
	}

	/** A trainable tensor; fanIn > 0 means He-initialised weights, 0 means zeros. */
	public record Parameter(String name, long[] shape, int fanIn) {}
}
