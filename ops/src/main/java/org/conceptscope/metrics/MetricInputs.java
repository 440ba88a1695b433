package org.conceptscope.metrics;

import java.util.Arrays;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.tensor.FloatTensor;

/** The checks every metric makes before it runs the model many times. */
final class MetricInputs {

	private MetricInputs() {}

	/** Images must be [N, H, W, C] and the attribution one finite [H, W] map per image. */
	static void check(FloatTensor images, Attribution attribution) {
		if (images.rank() != 4) {
			throw new IllegalArgumentException("Metrics need a batch of images [N, H, W, C], got " + images + ".");
		}
		FloatTensor maps = attribution.maps();
		long[] want = { images.dim(0), images.dim(1), images.dim(2) };
		if (!Arrays.equals(want, maps.shape())) {
			throw new IllegalArgumentException("The attribution maps " + maps + " do not fit the images " + images
				+ "; explain these very images (one [H, W] map per image) before measuring.");
		}
		int bad = maps.firstNonFinite();
		if (bad >= 0) {
			throw new IllegalArgumentException("Attribution map " + bad / maps.stride0()
				+ " contains NaN or infinite values; pixels cannot be ranked by it.");
		}
	}
}
