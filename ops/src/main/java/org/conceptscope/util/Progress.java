package org.conceptscope.util;

/** Progress of a long loop; returning false from {@link #report} cancels it. */
@FunctionalInterface
public interface Progress {

	/** @return false to stop as soon as possible */
	boolean report(long done, long total, String message);

	Progress NONE = (done, total, message) -> true;
}
