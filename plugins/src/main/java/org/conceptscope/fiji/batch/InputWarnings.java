package org.conceptscope.fiji.batch;

import ij.ImagePlus;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.conceptscope.fiji.run.Models;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.CastOverflow;

/**
 * The warnings about a run's inputs, one line per kind for the whole run, given to the runner's message channel
 * (stderr), never to ImageJ's Log (stdout when headless, where the runner's result paths are): the first input's
 * sentence and how many of the inputs are so. Kinds: a pixel size other than the model's, an 8-bit image with a
 * colour palette read as its colours (a note), far from the model's training data, values the model's cast wraps,
 * channel labels that disagree with the model's channel names, and (for a model without training statistics)
 * 16-bit values of a camera's few bits under unit_range, or far beyond 255 under a preprocessing made for 0-255 data. The checks are {@link Models}'s, file by file.
 * <p>
 * One aggregator for every runner: the batch runner checks its files here, each opened once and let go (a folder
 * of many images is never held in memory); a resumed run checks only the files it explains and counts of them (the
 * first run said the rest). A Spark job's tasks check the files they read and return what they found (counts and
 * sentences only, hence Serializable); the driver merges them in file order and says the lines once, the tasks none.
 */
public final class InputWarnings implements Serializable {

	private static final long serialVersionUID = 1L;

	/** The kinds, in the order of their lines. */
	private static final int PIXELS = 0, PALETTE = 1, NARROW = 2, CAST = 3, NAMES = 4, FAR = 5, KINDS = 6;

	private final int[] count = new int[KINDS];
	private final String[] first = new String[KINDS];
	/** Inputs checked, and those of them 16-bit under a model the 16-bit notes look at (the narrow note's count is of these). */
	private int checked, sixteen;

	/** No input checked yet. */
	public InputWarnings() {}

	/**
	 * Checks one input file, its palette (if any) read as its colours as the model reads it.
	 *
	 * @param opened the file as opened
	 */
	public InputWarnings add(ImagePlus opened, Classifier classifier) {
		// a palette image is read as its colours; its note is this aggregate's line, not a Log line per file
		return add(opened, Models.notesSaidByCaller(() -> Models.paletteAsRgb(opened, classifier)), classifier);
	}

	/**
	 * Checks one input file.
	 *
	 * @param opened the file as opened (its calibration and palette; a virtual stack will do)
	 * @param read   its pixels as the model reads them (a palette as its colours; the model's samples of it)
	 */
	public InputWarnings add(ImagePlus opened, ImagePlus read, Classifier classifier) {
		checked++;
		note(PIXELS, Models.pixelSize(opened, classifier));
		note(PALETTE, Models.paletteNote(opened, classifier));
		if (Models.sixteenBitChecked(classifier) && read.getBitDepth() == 16) {
			sixteen++;
			note(NARROW, Models.narrowSixteenBitNote(read, classifier));
		}
		note(CAST, Models.castOverflow(read, classifier));
		note(NAMES, Models.channelNames(read, classifier));
		note(FAR, Models.farFromDomain(read, classifier));
		return this;
	}

	private void note(int kind, String sentence) {
		if (sentence == null) return;
		count[kind]++;
		if (first[kind] == null) first[kind] = sentence;
	}

	/** This and what was found in later files (a later task's), a new aggregate: neither is changed. */
	public InputWarnings merge(InputWarnings later) {
		InputWarnings out = new InputWarnings();
		for (int k = 0; k < KINDS; k++) {
			out.count[k] = count[k] + later.count[k];
			out.first[k] = first[k] != null ? first[k] : later.first[k];
		}
		out.checked = checked + later.checked;
		out.sixteen = sixteen + later.sixteen;
		return out;
	}

	/**
	 * The run's lines, one per kind found, in the order of a local command's: pixel size, palette, 16-bit, cast,
	 * channel names, far.
	 *
	 * @param resumed whether an earlier run explained the other inputs: the counts say "of the images this run explains"
	 */
	public List<String> lines(boolean resumed) {
		String images = resumed ? "images this run explains" : "images";
		List<String> lines = new ArrayList<>();
		line(lines, PIXELS, checked, images, "are so", null);
		line(lines, PALETTE, checked, images, "are so", null);
		line(lines, NARROW, sixteen, "16-bit " + images, "are so", null);
		line(lines, CAST, checked, images, "are so", null);
		// a local command's sentence says to arrange or relabel the image; a runner reads the files, so they are to be saved so
		line(lines, NAMES, checked, images, "are so", "the run reads the files as saved, so save them with their channels arranged or relabelled");
		line(lines, FAR, checked, images, resumed ? "are far" : "checked are far", null);
		return lines;
	}

	/** A kind's line, when any input is of it: its first sentence, with how many of {@code total} when more than one, and the advice. */
	private void line(List<String> lines, int kind, int total, String of, String verb, String advice) {
		if (first[kind] == null) return;
		String many = count[kind] > 1 ? count[kind] + " of the " + total + " " + of + " " + verb : null;
		String said = many == null ? advice : advice == null ? many : many + "; " + advice;
		String prefix = kind == PALETTE || kind == NARROW ? "ConceptScope note: " : "ConceptScope warning: ";
		lines.add(prefix + (said == null ? first[kind] : Models.withSetCount(first[kind], said)));
	}

	/** Whether any check can say something of these inputs with this model (else no input is opened). */
	static boolean anyApplies(Classifier classifier, BatchInputs inputs) {
		return classifier.pixelSize() != null || inputs.palette() || classifier.inputDomain() != null || CastOverflow.casts(classifier.normalization())
			|| !classifier.inputChannelNames().isEmpty()
			|| Models.sixteenBitChecked(classifier) && inputs.inputs().stream().anyMatch(input -> input.bitDepth() == 16);
	}

	/**
	 * The batch runner's: checks the inputs this run explains and gives {@code log} one line per kind found.
	 *
	 * @param explained per input, whether this run explains any of its slices (all, unless it resumes)
	 * @param resumed whether an earlier run explained the others: the counts say "of the images this run explains"
	 */
	static void warn(Classifier classifier, BatchInputs inputs, boolean[] explained, boolean resumed, Consumer<String> log) {
		if (!anyApplies(classifier, inputs)) return;
		InputWarnings found = new InputWarnings();
		for (int i = 0; i < explained.length; i++) if (explained[i]) found.add(inputs.open(i), classifier);
		found.lines(resumed).forEach(log);
	}
}
