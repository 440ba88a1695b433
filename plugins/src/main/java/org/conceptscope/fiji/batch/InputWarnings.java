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
 * model's, an 8-bit image with a colour palette read as its colours (a note), far from the model's training
 * data, values the model's cast wraps, channel labels that disagree with the model's channel names, and (for
 * a model without training statistics) 16-bit values of a camera's few bits under unit_range. The checks are
 * {@link Models}'s, file by file, each file opened once and let go: a folder of many images is never held in
 * memory. A resumed run checks only the files it explains (those with a slice in a part not yet done) and
 * counts of them: the first run said the rest. A cluster's driver says them too, and its tasks none.
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
			return line(total, of, verb, null);
		}

		/** {@link #line(int, String, String)} with {@code advice} after the count, in its parenthesis (null: none). */
		String line(int total, String of, String verb, String advice) {
			if (first == null) return null;
			String many = count > 1 ? count + " of the " + total + " " + of + " " + verb : null;
			String said = many == null ? advice : advice == null ? many : many + "; " + advice;
			return prefix + (said == null ? first : Models.withSetCount(first, said));
		}
	}

	/** Whether any check can say something of these inputs with this model (else no input is opened). */
	static boolean anyApplies(Classifier classifier, BatchInputs inputs) {
		return classifier.pixelSize() != null || inputs.palette() || classifier.inputDomain() != null || CastOverflow.casts(classifier.normalization())
			|| !classifier.inputChannelNames().isEmpty() || sixteenBitUnitRange(classifier, inputs, all(inputs)) > 0;
	}

	private static boolean[] all(BatchInputs inputs) {
		boolean[] all = new boolean[inputs.inputs().size()];
		java.util.Arrays.fill(all, true);
		return all;
	}

	private static int sixteenBitUnitRange(Classifier classifier, BatchInputs inputs, boolean[] explained) {
		if (classifier.inputDomain() != null || !(classifier.normalization() instanceof Normalization.UnitRange)) return 0;
		int n = 0;
		for (int i = 0; i < explained.length; i++) if (explained[i] && inputs.inputs().get(i).bitDepth() == 16) n++;
		return n;
	}

	/**
	 * Checks the inputs this run explains and gives {@code log} one line per kind found.
	 *
	 * @param explained per input, whether this run explains any of its slices (all, unless it resumes)
	 * @param resumed whether an earlier run explained the others: the counts say "of the images this run explains"
	 */
	static void warn(Classifier classifier, BatchInputs inputs, boolean[] explained, boolean resumed, Consumer<String> log) {
		if (!anyApplies(classifier, inputs)) return;
		String prefix = "ConceptScope warning: ", notePrefix = "ConceptScope note: ";
		Kind pixels = new Kind(prefix), palette = new Kind(notePrefix), far = new Kind(prefix), cast = new Kind(prefix), names = new Kind(prefix),
			narrow = new Kind(notePrefix);
		int n = 0, sixteen = sixteenBitUnitRange(classifier, inputs, explained);
		for (int i = 0; i < explained.length; i++) {
			if (!explained[i]) continue;
			n++;
			ImagePlus imp = inputs.open(i);
			pixels.add(Models.pixelSize(imp, classifier));
			palette.add(Models.paletteNote(imp, classifier));
			// a palette image is read as its colours; its note is the line above, not a Log line per file
			ImagePlus read = Models.notesSaidByCaller(() -> Models.paletteAsRgb(imp, classifier));
			far.add(Models.farFromDomain(read, classifier));
			cast.add(Models.castOverflow(read, classifier));
			names.add(Models.channelNames(read, classifier));
			if (sixteen > 0) narrow.add(Models.narrowSixteenBitNote(imp, classifier));
		}
		String images = resumed ? "images this run explains" : "images";
		List<String> lines = new ArrayList<>();
		lines.add(pixels.line(n, images, "are so"));
		lines.add(palette.line(n, images, "are so"));
		lines.add(narrow.line(sixteen, "16-bit " + images, "are so"));
		lines.add(cast.line(n, images, "are so"));
		// a local command's sentence says to arrange or relabel the image; a runner reads the files, so they are to be saved so
		lines.add(names.line(n, images, "are so", "the run reads the files as saved, so save them with their channels arranged or relabelled"));
		lines.add(far.line(n, images, resumed ? "are far" : "checked are far"));
		for (String line : lines) if (line != null) log.accept(line);
	}
}
