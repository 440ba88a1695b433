package org.conceptscope.attribution;

import java.util.concurrent.CancellationException;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/** Shared steps of gradient methods: channel reduction and progress with cancellation. */
final class GradientMaps {

	private GradientMaps() {}

	/** [N, H, W, C] to [N, H, W] by summing channels (signed methods keep the sign). */
	static FloatTensor sumChannels(FloatTensor t) {
		int n = (int) t.dim(0), h = (int) t.dim(1), w = (int) t.dim(2), c = (int) t.dim(3);
		float[] in = t.data(), out = new float[n * h * w];
		for (int p = 0; p < out.length; p++) {
			float s = 0;
			for (int ch = 0; ch < c; ch++) s += in[p * c + ch];
			out[p] = s;
		}
		return new FloatTensor(new long[] { n, h, w }, out);
	}

	/** [N, H, W, C] to [N, H, W] by the maximum over channels (for non-negative maps). */
	static FloatTensor maxChannels(FloatTensor t) {
		int n = (int) t.dim(0), h = (int) t.dim(1), w = (int) t.dim(2), c = (int) t.dim(3);
		float[] in = t.data(), out = new float[n * h * w];
		for (int p = 0; p < out.length; p++) {
			float m = in[p * c];
			for (int ch = 1; ch < c; ch++) m = Math.max(m, in[p * c + ch]);
			out[p] = m;
		}
		return new FloatTensor(new long[] { n, h, w }, out);
	}

	/** Reports progress; throws when the listener asks to stop. */
	static void step(Progress progress, long done, long total, String method) {
		if (!progress.report(done, total, method)) throw new CancellationException(method + " cancelled after " + done + " of " + total + ".");
	}
}
