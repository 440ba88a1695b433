package org.conceptscope.spark;

import java.nio.file.Path;

/**
 * A child JVM for {@link TaskModelsAndArchiveTest}: an executor that makes its task-model folder (opening the model
 * {@code args[1]} when given, as a task does, so that the folder holds its unpacked package), prints
 * {@code workdir: <folder>}, and then either holds (args[0] {@code hold}: until its standard input ends or it is
 * killed) or exits at once ({@code exit}, through its shutdown hooks).
 */
public final class TaskModelsHoldChild {

	private TaskModelsHoldChild() {}

	public static void main(String[] args) throws Exception {
		if (args.length > 1) TaskModels.open(Path.of(args[1]));
		System.out.println("workdir: " + TaskModels.workDir());
		System.out.flush();
		if ("hold".equals(args[0])) while (System.in.read() >= 0) {
			// holds until the parent closes the input or kills this JVM
		}
		System.exit(0);
	}
}
