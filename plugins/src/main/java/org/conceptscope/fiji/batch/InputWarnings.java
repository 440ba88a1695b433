package org.conceptscope.fiji.batch;

import ij.ImagePlus;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.conceptscope.fiji.run.Models;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.CastOverflow;
import org.conceptscope.tensor.Normalization;

/**
 * The warnings about a batch run's inputs, one line per kind for the whole run, given to the runner's
 * message channel (stderr), never to ImageJ's Log (stdout when headless, where the runner's result paths
 * are): the first input's sentence and how many of the inputs are so. Kinds: a pixel size other than the
 * model's, far from the model's training data, values the model's cast wraps, channel labels that
 * disagree with the model's channel names, and (for a model without training statistics) 16-bit values
 * of a camera's few bits under unit_range. The checks are {@link Models}'s, file by file, each file
 * opened once and let go: a folder of many images is never held in memory.
 */
final class InputWarnings {

	private InputWarnings() {}

	/** One kind: how many inputs are so, and the first one's sentence. */
	private static final class Kind {
		final String prefix;
		int count;
		String first;

		Kind(String prefix) {
			this.prefix = prefix;
		}

		void add(String sentence) {
			if (sentence == null) return;
			count++;
			if (first == null) first = sentence;
		}

		/** The run's line, or null; {@code of}: "images", "16-bit images". */
		String line(int total, String of, String verb) {
			if (first == null) return null;
			return prefix + (count > 1 ? Models.withSetCount(first, count + " of the " + total + " " + of + " " + verb) : first);
		}
	}

	/** Whether any check can say something of these inputs with this model (else no input is opened). */
	static boolean anyApplies(Classifier classifier, BatchInputs inputs) {
		return classifier.pixelSize() != null || classifier.inputDomain() != null || CastOverflow.casts(classifier.normalization())
			|| !classifier.inputChannelNames().isEmpty() || sixteenBitUnitRange(classifier, inputs) > 0;
	}

	private static int sixteenBitUnitRange(Classifier classifier, BatchInputs inputs) {
		if (classifier.inputDomain() != null || !(classifier.normalization() instanceof Normalization.UnitRange)) return 0;
		return (int) inputs.inputs().stream().filter(in -> in.bitDepth() == 16).count();
	}

	/** Checks every input and gives {@code log} one line per kind found. */
	static void warn(Classifier classifier, BatchInputs inputs, Consumer<String> log) {
		if (!anyApplies(classifier, inputs)) return;
		Kind pixels = new Kind("ConceptScope warning: "), far = new Kind("ConceptScope warning: "), cast = new Kind("ConceptScope warning: "),
			names = new Kind("ConceptScope warning: "), narrow = new Kind("ConceptScope note: ");
		int n = inputs.inputs().size(), sixteen = sixteenBitUnitRange(classifier, inputs);
		for (int i = 0; i < n; i++) {
			ImagePlus imp = inputs.open(i);
			pixels.add(Models.pixelSize(imp, classifier));
			ImagePlus read = Models.paletteAsRgb(imp, classifier); // a palette image is read as its colours
			far.add(Models.farFromDomain(read, classifier));
			cast.add(Models.castOverflow(read, classifier));
			names.add(Models.channelNames(read, classifier));
			if (sixteen > 0) narrow.add(Models.narrowSixteenBitNote(imp, classifier));
		}
		List<String> lines = new ArrayList<>();
		lines.add(pixels.line(n, "images", "are so"));
		lines.add(narrow.line(sixteen, "16-bit images", "are so"));
		lines.add(cast.line(n, "images", "are so"));
		lines.add(names.line(n, "images", "are so"));
		lines.add(far.line(n, "images", "checked are far"));
		for (String line : lines) if (line != null) log.accept(line);
	}
}
