package org.conceptscope.train;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A small fully convolutional segmentation network, enough for dense-output test models: blocks of
 * [k x k convolution (SAME padding) + bias + ReLU], then a 1x1 convolution to one logit per class
 * and position, and a softmax per position. No pooling, so the output map has the input's size and
 * output position (y, x) sees exactly the input pixels within {@link #radius()} of (y, x).
 * <p>
 * Graph names: {@code input}, {@code conv1/relu}, ..., {@code logits} [N, H, W, K],
 * {@code probabilities} [N, H, W, K].
 */
public record FcnArchitecture(int height, int width, int channels, int[] filters, int kernel, int numClasses) {

	public FcnArchitecture {
		filters = filters.clone();
		if (height < 1 || width < 1 || channels < 1 || numClasses < 2 || kernel < 1 || kernel % 2 == 0 || filters.length == 0) {
			throw new IllegalArgumentException("Invalid architecture: needs positive sizes, an odd kernel, a convolution block and at least 2 classes.");
		}
	}

	@Override
	public int[] filters() {
		return filters.clone();
	}

	/** How far an output position sees: the receptive field is (2 radius + 1) pixels wide. */
	public int radius() {
		return filters.length * (kernel / 2);
	}

	/** Parameter names and shapes, in creation order. */
	public List<CnnArchitecture.Parameter> parameters() {
		List<CnnArchitecture.Parameter> ps = CnnArchitecture.Parameter.convBlocks(channels, kernel, filters);
		int in = filters[filters.length - 1];
		ps.add(new CnnArchitecture.Parameter("classifier/kernel", new long[] { 1, 1, in, numClasses }, in));
		ps.add(new CnnArchitecture.Parameter("classifier/bias", new long[] { numClasses }, 0));
		return ps;
	}

	/** One line for model cards: "input 32x32x3; 2 conv block(s) [8, 8] (kernel 3, ReLU, SAME); 1x1 convolution to 3 classes per pixel". */
	public String describe() {
		return String.format(Locale.ROOT, "input %dx%dx%d; %d conv block(s) %s (kernel %d, ReLU, SAME padding); 1x1 convolution to %d"
			+ " logits per pixel, softmax per pixel; receptive field %dx%d", height, width, channels, filters.length, Arrays.toString(filters),
			kernel, numClasses, 2 * radius() + 1, 2 * radius() + 1);
	}

	@Override
	public boolean equals(Object o) {
		return o instanceof FcnArchitecture a && a.height == height && a.width == width && a.channels == channels && a.kernel == kernel
			&& a.numClasses == numClasses && Arrays.equals(a.filters, filters);
	}

	@Override
	public int hashCode() {
		return Arrays.hashCode(filters) * 31 + height * 7 + width * 5 + channels * 3 + kernel + numClasses * 11;
	}

	@Override
	public String toString() {
		return describe();
	}
}
