// The ParleyEngine module; its types arrive in the next commit of issue #2.
