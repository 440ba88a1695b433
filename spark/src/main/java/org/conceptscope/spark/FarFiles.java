package org.conceptscope.spark;

import ij.ImagePlus;

import java.io.PrintStream;
import java.io.Serializable;
import java.util.List;

import org.conceptscope.fiji.run.Models;
import org.conceptscope.model.Classifier;

/**
 * How many of a job's files are far from what the model was trained on, and the first one's sentence
 * (null when none is). Tasks compare their files and return this; the driver merges the tasks' counts
 * in file order and writes one line, as a local command writes one line for its set: the tasks print
 * nothing, and a job that reads its files in several passes compares them in one.
 */
record FarFiles(int far, String first) implements Serializable {

	static final FarFiles NONE = new FarFiles(0, null);

	/** Each image (a tile stack: the image it was cut from) compared with the model's card. */
	static FarFiles of(List<ImagePlus> images, Classifier classifier) {
		FarFiles out = NONE;
		for (ImagePlus imp : images) {
			String sentence = Models.farFromDomain(imp, classifier);
			if (sentence != null) out = out.merge(new FarFiles(1, sentence));
		}
		return out;
	}

	/** This and the counts of later files. */
	FarFiles merge(FarFiles later) {
		return new FarFiles(far + later.far, first != null ? first : later.first);
	}

	/** The job's one line, when any file is far: the first far file's sentence and how many of the files are. */
	void warn(PrintStream log, String job, int files) {
		if (far == 0) return;
		log.println("ConceptScope Spark " + job + " warning: " + Models.withSetCount(first, far + " of the " + files + " files "
			+ (far == 1 ? "is" : "are") + " far"));
	}
}
