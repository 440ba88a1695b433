package org.conceptscope.spark;

import ij.ImagePlus;

import java.io.PrintStream;
import java.io.Serializable;
import java.util.List;

import org.conceptscope.fiji.run.Models;
import org.conceptscope.model.Classifier;

/**
 * How many of a job's files are far from what the model was trained on, and the first one's sentence
 * (null when none is); and how many hold values that the model's preprocessing casts to an integer type
 * that does not hold them (a 16-bit file into a uint8 model), and the first one's sentence; and how many have
 * channel labels that name the model's input channels (a bioimage.io package's channel_names) in another order
 * or name other channels, and the first one's sentence (read from the file as ImageJ does: its channels' slice
 * labels, {@link Models#channelNames}); and how many are 16-bit files of a camera's few bits that the model's unit_range leaves
 * nearly black, and the first one's note ({@link Models#narrowSixteenBitNote}). Tasks compare
 * their files and return this; the driver merges the tasks' counts in file order and writes one line for
 * each, as a local command writes one line for its set: the tasks print nothing, and a job that reads its
 * files in several passes compares them in one.
 *
 * @param far          files far from the model's training domain
 * @param first        the first far file's sentence
 * @param wrapped      files whose values the model's cast wraps
 * @param firstWrapped the first such file's sentence
 * @param misnamed     files whose channel labels disagree with the model's channel names
 * @param firstMisnamed the first such file's sentence
 * @param narrow       16-bit files whose values use a small part of the 16-bit range under unit_range
 * @param firstNarrow  the first such file's note
 * @param pixels       files whose calibration differs from the model's pixel size ({@link Models#pixelSize})
 * @param firstPixels  the first such file's sentence
 * @param palette      8-bit files with a colour palette, read as their colours ({@link Models#paletteNote})
 * @param firstPalette the first such file's note
 */
record FarFiles(int far, String first, int wrapped, String firstWrapped, int misnamed, String firstMisnamed, int narrow, String firstNarrow,
	int pixels, String firstPixels, int palette, String firstPalette) implements Serializable {

	static final FarFiles NONE = new FarFiles(0, null, 0, null, 0, null, 0, null, 0, null, 0, null);

	/**
	 * Each image (a tile stack: the image it was cut from) compared with the model's pixel size and card, checked for a
	 * palette, its cast, its channel labels compared with the model's channel names and its 16-bit values for a camera's
	 * few bits; a palette image is read as its colours.
	 */
	static FarFiles of(List<ImagePlus> images, Classifier classifier) {
		FarFiles out = NONE;
		for (ImagePlus imp : images) {
			ImagePlus read = Models.notesSaidByCaller(() -> Models.paletteAsRgb(imp, classifier));
			String far = Models.farFromDomain(read, classifier), cast = Models.castOverflow(read, classifier);
			String names = Models.channelNames(read, classifier), narrowNote = Models.narrowSixteenBitNote(imp, classifier);
			String pixelSize = Models.pixelSize(imp, classifier), paletteNote = Models.paletteNote(imp, classifier);
			out = out.merge(new FarFiles(far == null ? 0 : 1, far, cast == null ? 0 : 1, cast, names == null ? 0 : 1, names,
				narrowNote == null ? 0 : 1, narrowNote, pixelSize == null ? 0 : 1, pixelSize, paletteNote == null ? 0 : 1, paletteNote));
		}
		return out;
	}

	/** This and the counts of later files. */
	FarFiles merge(FarFiles later) {
		return new FarFiles(far + later.far, first != null ? first : later.first, wrapped + later.wrapped,
			firstWrapped != null ? firstWrapped : later.firstWrapped, misnamed + later.misnamed,
			firstMisnamed != null ? firstMisnamed : later.firstMisnamed, narrow + later.narrow, firstNarrow != null ? firstNarrow : later.firstNarrow,
			pixels + later.pixels, firstPixels != null ? firstPixels : later.firstPixels, palette + later.palette,
			firstPalette != null ? firstPalette : later.firstPalette);
	}

	/**
	 * The job's lines, in the order of a local command's: when any file's calibration differs from the model's pixel size, the first
	 * such file's sentence and how many are so; when any file has a colour palette, the first such file's note and how many; when any file is 16-bit of a camera's few bits, the first such file's
	 * note and how many of the files are so; when any file's values are wrapped by the model's cast, the first such file's sentence and how
	 * many of the files are so; when any file's channel labels disagree with the model's channel names, the first such
	 * file's sentence, how many of the files are so, and that the files are read as saved; when any file is far, the
	 * first far file's sentence and how many of the files are.
	 */
	void warn(PrintStream log, String job, int files) {
		say(log, job, "warning", firstPixels, pixels, files, "so");
		say(log, job, "note", firstPalette, palette, files, "so");
		say(log, job, "note", firstNarrow, narrow, files, "so");
		say(log, job, "warning", firstWrapped, wrapped, files, "so");
		say(log, job, "warning", firstMisnamed, misnamed, files, "so; the job reads the files as saved, so save them with their channels"
			+ " arranged or relabelled");
		say(log, job, "warning", first, far, files, "far");
	}

	/** One kind's line, when any file is of that kind: its first file's sentence with "n of the files is/are {@code what}". */
	private static void say(PrintStream log, String job, String kind, String firstSentence, int count, int files, String what) {
		if (count == 0) return;
		log.println("ConceptScope Spark " + job + " " + kind + ": " + Models.withSetCount(firstSentence, count + " of the " + files + " files "
			+ (count == 1 ? "is" : "are") + " " + what));
	}
}
