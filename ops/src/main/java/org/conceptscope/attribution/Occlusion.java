package org.conceptscope.attribution;

import java.util.Arrays;
import java.util.Map;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.TileGrid;
import org.conceptscope.util.Progress;

/**
 * Occlusion (Zeiler and Fergus 2014): slide a patch of a constant value over the image; each
 * pixel gets the mean drop of the target score over the patches that covered it.
 * Patch positions end flush with the border, so every pixel is covered when stride <= patch.
 */
public final class Occlusion implements AttributionMethod {

	private final int patch, stride;
	private final float baseline;
	private final TargetScore score;

	public Occlusion(int patch, int stride, float baseline) {
		this(patch, stride, baseline, TargetScore.LOGIT);
	}

	public Occlusion(int patch, int stride, float baseline, TargetScore score) {
		if (patch < 1 || stride < 1) throw new IllegalArgumentException("Occlusion needs patch >= 1 and stride >= 1.");
		if (!Float.isFinite(baseline)) throw new IllegalArgumentException("The occlusion value must be finite.");
		this.patch = patch;
		this.stride = stride;
		this.baseline = baseline;
		this.score = score;
	}

	@Override
	public String name() {
		return "occlusion";
	}

	/** One per patch position and one of the image itself. */
	@Override
	public org.conceptscope.util.Passes passes(long height, long width, long channels) {
		int ys = starts((int) height, patch, stride).length, xs = starts((int) width, patch, stride).length;
		return new org.conceptscope.util.Passes((long) ys * xs + 1, "model pass", "occlusion: " + xs + " x " + ys + " patch positions and the"
			+ " image itself", "model passes");
	}

	@Override
	public Map<String, Integer> sizes() {
		return Map.of("patch", patch); // the stride has no bound: the last patch is always flush with the border
	}

	static int[] starts(int size, int patch, int stride) {
		return TileGrid.strided(size, patch, stride);
	}

	@Override
	public Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress) {
		int[] resolved = AttributionMethod.resolveTargets(classifier, images, targets);
		int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2), c = (int) images.dim(3);
		int[] ys = starts(h, patch, stride), xs = starts(w, patch, stride);
		int count = ys.length * xs.length;
		float[] maps = new float[n * h * w];
		PerturbedScores.stream(classifier, score, images, resolved, count, i -> {
			FloatTensor x = images.slice(i);
			float[] src = x.data();
			return new PerturbedScores.ImageJob() {
				@Override
				public void fill(int index, float[] out, int off) {
					System.arraycopy(src, 0, out, off, src.length);
					int y0 = ys[index / xs.length], x0 = xs[index % xs.length];
					for (int y = y0; y < Math.min(h, y0 + patch); y++) {
						Arrays.fill(out, off + (y * w + x0) * c, off + (y * w + Math.min(w, x0 + patch)) * c, baseline);
					}
				}

				@Override
				public boolean doneCallsModel() {
					return true;
				}

				@Override
				public void done(float[] scores) {
					float clean = PerturbedScores.clean(classifier, score, x, resolved[i]);
					float[] sum = new float[h * w], cover = new float[h * w];
					for (int p = 0; p < count; p++) {
						int y0 = ys[p / xs.length], x0 = xs[p % xs.length];
						for (int y = y0; y < Math.min(h, y0 + patch); y++) {
							for (int xx = x0; xx < Math.min(w, x0 + patch); xx++) {
								sum[y * w + xx] += clean - scores[p];
								cover[y * w + xx]++;
							}
						}
					}
					for (int p = 0; p < h * w; p++) maps[i * h * w + p] = cover[p] > 0 ? sum[p] / cover[p] : 0;
				}
			};
		}, progress, name());
		return new Attribution(new FloatTensor(new long[] { n, h, w }, maps), resolved, AttributionMethod.metadata(classifier, name(), resolved, "patch",
			Integer.toString(patch), "stride", Integer.toString(stride), "baseline", Float.toString(baseline), "score", score.name()));
	}
}
