package org.conceptscope.concepts;

import org.conceptscope.model.Classifier;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Limits;

/**
 * Where and how strongly each concept of a bank is present: for every image and every spatial
 * position of the bank's layer, the non-negative coefficients u with a ~ u W (NNLS against the
 * concepts). {@code layerShape} is the activation shape of one image, e.g. [1, h, w, c].
 */
record ConceptCoefficients(double[][][] u, long[] layerShape) {

	static ConceptCoefficients of(Classifier classifier, ConceptBank bank, FloatTensor images) {
		return of(classifier, bank, images, org.conceptscope.util.Progress.NONE);
	}

	/** Images whose activations are held at once: the layer of a large data set is read in parts of this many. */
	static final int CHUNK = 64;

	/**
	 * The coefficients, reporting after each image's positions are solved (a large layer's are many);
	 * cancellable. The layer's activations are read {@value #CHUNK} images at a time; the coefficients of
	 * every image are kept, so their memory ({@link #bytesNeeded}) is checked before any image goes
	 * through the model.
	 */
	static ConceptCoefficients of(Classifier classifier, ConceptBank bank, FloatTensor images, org.conceptscope.util.Progress progress) {
		return of(classifier, bank, images, 0, progress);
	}

	/**
	 * As {@link #of(Classifier, ConceptBank, FloatTensor, org.conceptscope.util.Progress)}, the memory check
	 * counting also {@code alsoPerPosition} bytes per image and position that the caller keeps beside the
	 * coefficients (e.g. maps of every image).
	 */
	static ConceptCoefficients of(Classifier classifier, ConceptBank bank, FloatTensor images, long alsoPerPosition,
		org.conceptscope.util.Progress progress) {
		LayerInfo info = LayerActivations.spatialOrVector(classifier, bank.layer);
		long[] declared = info.shape();
		int c = bank.channels(), k = bank.size(), n = (int) images.dim(0);
		if (declared[declared.length - 1] > 0 && declared[declared.length - 1] != c) throw wrongChannels(bank, declared[declared.length - 1]);
		if (n == 0) {
			long[] shape = classifier.activations(images, bank.layer).shape();
			shape[0] = 1;
			return new ConceptCoefficients(new double[0][][], shape);
		}
		long values = classifier.activationValues(bank.layer, images), positions = Math.max(1, values / c);
		long need = bytesNeeded(n, positions, values, k) + n * positions * alsoPerPosition;
		checkMemory(need, Limits.heapLeft(need), n, bank.layer, positions, k);
		Nnls nnls = new Nnls(bank.concepts);
		double[][][] u = new double[n][][];
		long[] shape = null;
		for (int from = 0; from < n; from += CHUNK) {
			int to = Math.min(n, from + CHUNK);
			FloatTensor act = classifier.activations(images.range(from, to), bank.layer);
			if (LayerActivations.channels(act) != c) throw wrongChannels(bank, LayerActivations.channels(act));
			float[] d = act.data();
			LayerActivations.clip(d);
			int pos = LayerActivations.positions(act);
			for (int i = from; i < to; i++) {
				u[i] = new double[pos][];
				for (int p = 0; p < pos; p++) u[i][p] = nnls.solve(d, ((i - from) * pos + p) * c);
				if (!progress.report(i + 1, n, "concept coefficients")) {
					throw new java.util.concurrent.CancellationException("Concept coefficients cancelled.");
				}
			}
			if (shape == null) {
				shape = act.shape();
				shape[0] = 1;
			}
		}
		return new ConceptCoefficients(u, shape);
	}

	private static IllegalArgumentException wrongChannels(ConceptBank bank, long channels) {
		return new IllegalArgumentException("The concept bank has " + bank.channels() + " channels per concept but layer '" + bank.layer
			+ "' of this model has " + channels + ". Use the model the concepts were extracted from.");
	}

	/**
	 * Bytes the coefficients of {@code images} images need: per image and position an array of {@code k}
	 * doubles (8 bytes each, a 16-byte header, an 8-byte reference), per image an array of references (a
	 * 16-byte header), and one part's activations ({@value #CHUNK} images of {@code values} floats), counted
	 * twice for the runtime's copy.
	 */
	static long bytesNeeded(long images, long positions, long values, int k) {
		return images * positions * (8L * k + 24) + 16 * images + 2 * 4 * Math.min(images, CHUNK) * values;
	}

	/** Refuses, in one sentence, coefficients that need {@code need} bytes when Java has {@code available} left. */
	static void checkMemory(long need, long available, long images, String layer, long positions, int k) {
		if (need <= available) return;
		throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "The concept coefficients of %d images at layer '%s' (%d"
			+ " positions, %d concepts each) need about %s and Java has %s left: give fewer images (a large image gives many tiles),"
			+ " or give Java more memory (-Xmx).", images, layer, positions, k, Limits.readableSize(need, available), Limits.readableSize(available, need)));
	}

	/** Activations of image i rebuilt from concepts, each concept's coefficients scaled by mask[k]. */
	static void rebuild(double[][] ui, double[] mask, double[][] w, float[] out, int offset) {
		int c = w[0].length, k = w.length;
		for (int p = 0; p < ui.length; p++) {
			for (int j = 0; j < c; j++) {
				double s = 0;
				for (int q = 0; q < k; q++) s += mask[q] * ui[p][q] * w[q][j];
				out[offset + p * c + j] = (float) s;
			}
		}
	}
}
